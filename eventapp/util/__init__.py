"""Pure helpers with no Flask and no database: time zones, Swedish sorting."""
