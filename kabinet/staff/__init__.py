"""The company's back office at /staff: one package per area, each checking the staff role on every route."""
