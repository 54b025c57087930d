"""The best-practice library pages (/practice/)."""
