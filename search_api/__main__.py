from search_api.cli import app

app()
