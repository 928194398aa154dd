"""Run records, plots and reports."""
