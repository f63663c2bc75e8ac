"""Campaign analytics: the funnel, its rates, per message, language and day (`queries`), who may
read them (`commands`), and a campaign's contacts as CSV (`export`)."""
