"""The texts of the web pages `bot.http.legal` serves (HTML files, shipped as package data)."""
