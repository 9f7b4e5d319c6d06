"""The staff and clinician web app: server-rendered pages served by the API's own app.

`install_web` adds the pages, the signed cookie (a server-side session's key, the CSRF
token, notices), security headers and the static files to the FastAPI app that
`bootstrap.create_app` builds.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from aftercare.settings import Settings
from aftercare.web.errors import install_handlers
from aftercare.web.render import STATIC_DIR, make_templates
from aftercare.web.security import ContentSecurityPolicy

SESSION_COOKIE = "aftercare_session"


def install_web(app: FastAPI, settings: Settings) -> None:
    from aftercare.web.routes import (
        admin,
        auth,
        careplans,
        conversations,
        day_list,
        locations,
        log_procedure,
        media,
        patients,
        phone,
        procedures,
        reports,
        review,
        unsubscribe,
    )

    app.state.web_templates = make_templates(settings)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (auth, log_procedure, day_list, procedures, patients, media, review,
                   reports, careplans, phone, admin, locations, unsubscribe, conversations):
        app.include_router(module.router)
    install_handlers(app)
    app.add_middleware(ContentSecurityPolicy)
    app.add_middleware(
        SessionMiddleware, secret_key=settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE, max_age=settings.session_max_age_minutes * 60,
        same_site="lax", https_only=settings.public_base_url.startswith("https"))
