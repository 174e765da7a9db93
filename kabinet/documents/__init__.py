"""«Документы»: the PDFs a tenant's organizations publish for all their houses or for the tenant's building."""
