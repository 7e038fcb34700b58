"""Only includes the routers; each resource's routes live in `api/routes/`."""

from fastapi import APIRouter

from trustwatch.web.api.routes import (
    admin,
    alerts,
    auth,
    dashboards,
    inbox,
    mentions,
    verdicts,
)

api_router = APIRouter()
api_router.include_router(auth.router)
api_router.include_router(alerts.router)
api_router.include_router(mentions.router)
api_router.include_router(inbox.router)
api_router.include_router(dashboards.router)
api_router.include_router(admin.router)
api_router.include_router(verdicts.router)
