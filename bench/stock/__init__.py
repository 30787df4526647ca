"""A minimal stock Django project: the yardstick the portal is measured against."""
