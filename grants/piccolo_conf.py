"""Piccolo's configuration module (``PICCOLO_CONF=grants.piccolo_conf``)."""

from piccolo.conf.apps import AppRegistry

from grants.db import get_engine

DB = get_engine()
APP_REGISTRY = AppRegistry(apps=["grants.piccolo_app"])
