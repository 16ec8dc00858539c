"""The budget: overview and drill-down for KI staff, fiscal years and budget lines for finance."""
