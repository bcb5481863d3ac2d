"""The framework's ceiling on this machine: a bare Flask app with one JSON route.

It imports nothing of the project. ``bench/run.py`` serves it with gunicorn under the same
workers, threads, worker class and access log as production (``gunicorn.conf.py``) but without
worker recycling, in the same run as the project, and reports every scenario as a ratio to it.

    gunicorn -c gunicorn.conf.py bench.baseline:app
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify({"code": 0, "msg": "ok", "data": {"pong": True}})
