"""An association's document inbox: its letters (Bescheide), to read and download."""
