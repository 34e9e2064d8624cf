"""Demo mode only: the local mail catcher and the demo data."""
