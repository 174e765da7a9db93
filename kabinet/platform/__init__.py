"""The platform administrator's area: the installation's organizations, their first admins and their counts."""
