"""Service requests and incident reports: the catalog, tracking codes, validation, fees."""
