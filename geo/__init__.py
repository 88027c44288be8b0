"""Domain core of Maeul Atlas: settings, database, models, reference geography and queries."""
