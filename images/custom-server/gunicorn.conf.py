"""gunicorn settings of the custom server: the port comes from PORT (the pod spec sets it from
`models[].port`), so the image never binds a port the Service does not target."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
# One worker: each worker would load its own copy of the model into (GPU) memory, and the
# in-process metrics would split across workers. Threads give the concurrency instead.
workers = 1
threads = 8
accesslog = "-"
# SIGTERM arrives after the pod's preStop drain; in-flight requests get this long to finish.
graceful_timeout = 30
