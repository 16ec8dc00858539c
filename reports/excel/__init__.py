"""Excel workbooks (openpyxl, write-only mode, stack.md §5.1): the decision pack; exports to come."""
