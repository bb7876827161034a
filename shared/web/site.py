"""What one service's pages share (`Site`): its sessions, its templates, the office's
directory, credentials, sign-in guard and security record, and the addresses of the other
services' pages."""

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from shared.context import ServiceContext
from shared.identity import Officer
from shared.log import EventLog
from shared.officers.credentials import Credentials
from shared.officers.directory import OfficerDirectory
from shared.officers.sign_ins import SecurityRecord, SignInGuard
from shared.settings import SERVICE_PORTS
from shared.web.navigation import Link, home_of
from shared.web.sessions import SessionStore
from shared.web.wording import FILTERS

HERE = Path(__file__).resolve().parent
SERVICES = HERE.parents[1] / "services"
STATIC_PATH = "/static/web"  # not /static: the API docs' files are under /static/api-docs


@dataclass
class Site:
    """What a service's pages share: reached from a request as `request.app.state.site`."""

    service: str
    context: ServiceContext
    sessions: SessionStore
    templates: Jinja2Templates

    @property
    def secure_cookies(self) -> bool:
        return self.context.settings.env == "production"

    def log_of(self, office: str) -> EventLog:
        return self.context.log_for(office)

    def directory(self, office: str) -> OfficerDirectory:
        return OfficerDirectory(self.context.log_for(office))

    def credentials(self, office: str) -> Credentials:
        return Credentials(self.context.redis, self.context.keys_for(office))

    def guard(self, office: str) -> SignInGuard:
        settings = self.context.settings
        return SignInGuard(
            self.context.redis,
            self.context.keys_for(office),
            attempts=settings.sign_in_attempts,
            lock_s=settings.sign_in_lock_s,
        )

    def security_record(self, office: str) -> SecurityRecord:
        return SecurityRecord(self.context.redis, self.context.keys_for(office))

    def url_of(self, request: Request, link: Link) -> str:
        """A link's address: relative on this service; another service's on its port (or
        its JASA_PUBLIC_URLS entry), on the host the browser used."""
        if link.service == self.service:
            return link.path
        public = self.context.settings.public_urls.get(link.service)
        if public:
            return public.rstrip("/") + link.path
        port = self.context.settings.port_base + SERVICE_PORTS[link.service]
        return f"{request.url.scheme}://{request.url.hostname}:{port}{link.path}"

    def home_url(self, request: Request, officer: Officer) -> str:
        return self.url_of(request, home_of(officer.role))


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def page_templates(service: str) -> Jinja2Templates:
    """The service's own templates (`services/<service>/templates/`) over the shared ones
    (`shared/web/templates/`: `base.html`, `login.html`, `forbidden.html`)."""
    loader = ChoiceLoader(
        [FileSystemLoader(SERVICES / service / "templates"), FileSystemLoader(HERE / "templates")]
    )
    environment = Environment(loader=loader, autoescape=select_autoescape(), auto_reload=False)
    environment.filters.update(FILTERS)  # `{{ status|status_name }}` on every screen
    return Jinja2Templates(env=environment)
