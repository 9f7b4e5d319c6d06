"""How the web app answers when it will not show a page: sign in first, not allowed, a
refused form, not found. HTML pages, not the API's JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from aftercare.web.login import EnrolmentRequired, Forbidden, LoginRequired, login_url
from aftercare.web.render import page
from aftercare.web.security import CsrfRejected


class PageNotFound(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(EnrolmentRequired)
    async def _enrol(_: Request, __: EnrolmentRequired) -> Response:
        return RedirectResponse("/account/two-factor", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return page(request, "error.html", {
            "title": "Not allowed",
            "text": f"This needs the {exc.needed} role. Ask an admin if you need it."},
            status_code=403)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, _: CsrfRejected) -> Response:
        return page(request, "error.html", {
            "title": "Form refused",
            "text": "This form did not come from this site, or your session changed since "
                    "it was shown. Nothing was saved. Go back, reload the page and try again."},
            status_code=403)

    @app.exception_handler(PageNotFound)
    async def _not_found(request: Request, exc: PageNotFound) -> Response:
        return page(request, "error.html", {"title": "Not found",
                                            "text": f"There is no {exc.what}."},
                    status_code=404)
