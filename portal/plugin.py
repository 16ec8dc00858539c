"""The one plugin that wires routes, templates, static files, security, errors, logging, lifespan."""

from __future__ import annotations

from pathlib import Path

from litestar.config.app import AppConfig
from litestar.datastructures import CacheControlHeader
from litestar.plugins import InitPlugin
from litestar.static_files import create_static_files_router

from grants.settings import Settings
from portal import allow, api, database, errors, inputs, observability, security, templating
from portal.admin import base_rates as base_rate_pages
from portal.admin import controllers as admin
from portal.api import payments as api_payments
from portal.api import settlements as api_settlements
from portal.api import usage_reports as api_usage_reports
from portal.api import v1 as api_v1
from portal.applications import amendments as amendment_pages
from portal.applications import controllers as applications
from portal.applications import signatures as signature_pages
from portal.applications import versions as application_versions
from portal.auth import controllers as auth
from portal.auth import guard, sessions
from portal.auth.access import PUBLIC, access
from portal.budget import controllers as budget
from portal.documents import controllers as documents
from portal.finance import controllers as finance
from portal.mail import demo_mail_router, reminders_lifespan, sender_lifespan
from portal.organisations import controllers as organisations
from portal.payments import controllers as payments
from portal.programmes import controllers as programmes
from portal.public import controllers as public
from portal.public import health
from portal.review import controllers as review
from portal.review import pack as review_pack
from portal.review import report_queue as review_report_queue
from portal.review import reports as report_review
from portal.review import settlements as settlement_pages
from portal.text_blocks import controllers as text_blocks
from portal.usage_reports import controllers as usage_report_pages

STATIC_DIR = Path(__file__).parent / "static"


class PortalPlugin(InitPlugin):
    __slots__ = ("settings",)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        settings = self.settings
        app_config.debug = False
        app_config.openapi_config = api.openapi_config()
        app_config.include_in_schema = False  # pages; the API router opts in
        app_config.state["settings"] = settings
        app_config.route_handlers.extend([
            *public.ROUTES, health.healthz, *auth.ROUTES, *admin.ROUTES, *base_rate_pages.ROUTES, *organisations.ROUTES,
            *programmes.ROUTES, *text_blocks.ROUTES, *applications.ROUTES, *application_versions.ROUTES, *review.ROUTES, *review_pack.ROUTES, *review_report_queue.ROUTES, *settlement_pages.ROUTES, *amendment_pages.ROUTES, *signature_pages.ROUTES, *documents.ROUTES, *budget.ROUTES, *payments.ROUTES, *finance.ROUTES, *usage_report_pages.ROUTES, api_v1.router(), api_payments.router(), api_usage_reports.router(), api_settlements.router(),
            *report_review.ROUTES,
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], name="static", opt=access(PUBLIC),
                cache_control=CacheControlHeader(max_age=3600), include_in_schema=False,
            ),
        ])  # fmt: skip
        if settings.demo:
            from portal.auth.dev_provider import dev_provider_router

            app_config.route_handlers.append(dev_provider_router(settings))
            app_config.route_handlers.append(demo_mail_router(settings))
        app_config.stores = {"sessions": sessions.DatabaseStore()}
        session_config = sessions.session_config(settings)
        csrf = app_config.state["csrf"] = security.CSRFTokens(settings, session_config.key)
        app_config.middleware[:0] = [
            observability.RequestIdMiddleware(),
            database.UnitOfWorkMiddleware(),
            security.CSRFMiddleware(csrf),  # before the session: it sees the session cookie go out
            session_config.middleware,
            guard.PrincipalMiddleware(),
            security.LoginRateLimit(settings.login_rate_limit),
            inputs.PathRange(),  # after the principal: the 404 page shows who is signed in
        ]
        app_config.before_send.append(security.SecurityHeaders(settings))
        app_config.before_send.append(allow.allow_every_method)
        app_config.guards.append(guard.authorize)
        app_config.template_config = templating.template_config(settings)
        app_config.logging_config = observability.logging_config(settings)
        app_config.exception_handlers = {
            **app_config.exception_handlers,
            **errors.HANDLERS,
            applications.NotEditable: applications.not_editable,
        }
        app_config.on_startup.append(guard.refuse_undeclared_routes)
        app_config.lifespan.append(database.lifespan)
        app_config.lifespan.append(sender_lifespan)
        app_config.lifespan.append(reminders_lifespan)
        return app_config
