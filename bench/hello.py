"""The load run's baseline: a bare Flask "hello", served by the same gunicorn config."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
