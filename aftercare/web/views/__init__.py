"""What the pages show, built from the database or the pure planner; no HTTP here."""
