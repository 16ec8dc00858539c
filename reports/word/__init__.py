"""Word documents (python-docx): the submitted application; letters to come."""
