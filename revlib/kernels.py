"""The workshop app's kernel manager: at most ``max_kernels`` live kernels, whatever the number of page loads.

Voila starts a kernel (about 130 MB) for every page load. Jupyter Server culls a kernel
whose page has gone (``MappingKernelManager.cull_*`` in ``voila.json``), but nothing caps
how many run at once: a room reloading the page, or anyone who can reach the port, could
fill the machine's memory. :class:`CappedKernelManager` answers a page load past the cap
with "503 the app is full" until a kernel is stopped. ``voila.json`` selects it::

    "VoilaConfiguration": {"multi_kernel_manager_class": "revlib.kernels.CappedKernelManager"},
    "CappedKernelManager": {"max_kernels": 40}

Imported only by the Voila server, never by ``import revlib``.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Int


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter Server's kernel manager, refusing to start a kernel past ``max_kernels``."""

    max_kernels = Int(40, config=True, help="The most kernels alive at once; a page load past it gets a 503.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0

    async def start_kernel(self, *args, kernel_id=None, **kwargs):
        if kernel_id is None or kernel_id not in self:
            # No await between the count and the increment: concurrent page loads cannot both slip past the cap.
            alive = len(self.list_kernel_ids()) + self._starting
            if alive >= self.max_kernels:
                self.log.warning("Refused a kernel: %d of %d are alive", alive, self.max_kernels)
                raise web.HTTPError(503, reason=f"The app is full ({self.max_kernels} people are using it); "
                                                "try again in a minute")
            self._starting += 1
            try:
                return await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)
            finally:
                self._starting -= 1
        return await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)
