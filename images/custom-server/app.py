"""A small inference server for models that vLLM does not serve (classic PyTorch/TensorFlow models).

Endpoints (on PORT, 8080 by default; gunicorn.conf.py binds it):
  GET  /health   liveness: 200 while the process works; 500 if loading the model failed, so the
                 kubelet restarts the pod with back-off instead of leaving it unready forever
  GET  /ready    readiness: 200 once the model in MODEL_DIR is loaded, 503 before
  GET  /metrics  Prometheus text format: request counts, /predict latency histogram, model state
  POST /predict  TensorFlow-Serving-style body {"instances": [...]} -> {"predictions": [...]};
                 needs `Authorization: Bearer <API_KEY>`, 401 without it or with another key

The model is loaded only after MODEL_DIR/<MODEL_MARKER> exists. The job that stages weights onto
the shared volume writes that marker last, so a pod starting mid-copy never loads half a model.
Probes and scrapes carry no key: only inference routes are guarded, as in vLLM.
"""

import hmac
import json
import logging
import os
import threading
import time
from pathlib import Path

from flask import Flask, Response, jsonify, request

MODEL_DIR = Path(os.environ.get("MODEL_DIR", "/models/model"))
# The staging Job's marker (ModelService writes ".staged" last, see components/serving/contract.ts).
MODEL_MARKER = os.environ.get("MODEL_MARKER", ".staged")
MODEL_POLL_SECONDS = float(os.environ.get("MODEL_POLL_SECONDS", "1"))
# Refuse to start without a key: an unset variable must not silently open the inference routes.
API_KEY = os.environ.get("API_KEY", "")
if not API_KEY:
    raise SystemExit("API_KEY is not set: the server refuses to serve /predict without a key")
# Seconds; spans a CPU toy model up to a large batch on a GPU.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

log = logging.getLogger("custom-server")
app = Flask(__name__)


class State:
    """Everything the handlers share; guarded by one lock because gunicorn runs threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.model = None
        self.load_error: str | None = None
        self.requests: dict[tuple[str, int], int] = {}
        self.bucket_counts = [0] * len(LATENCY_BUCKETS)
        self.latency_sum = 0.0
        self.latency_count = 0

    def count(self, endpoint: str, status: int) -> None:
        with self.lock:
            key = (endpoint, status)
            self.requests[key] = self.requests.get(key, 0) + 1

    def observe(self, seconds: float) -> None:
        with self.lock:
            for index, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    self.bucket_counts[index] += 1
            self.latency_sum += seconds
            self.latency_count += 1


state = State()


def load_model(model_dir: Path):
    """Returns a callable mapping a list of instances to a list of predictions.

    TorchScript (`model.pt`) when torch is installed; otherwise a JSON linear model (`model.json`:
    {"weights": [...], "bias": b}) so the server runs without a framework in tests and demos.
    """
    torchscript = model_dir / "model.pt"
    if torchscript.exists():
        import torch  # Imported here: the image only carries torch when the model needs it.

        device = "cuda" if torch.cuda.is_available() else "cpu"
        module = torch.jit.load(str(torchscript), map_location=device).eval()

        def predict_torch(instances):
            with torch.inference_mode():
                return module(torch.tensor(instances, device=device)).cpu().tolist()

        return predict_torch
    linear = json.loads((model_dir / "model.json").read_text())
    weights, bias = [float(w) for w in linear["weights"]], float(linear.get("bias", 0.0))

    def predict_linear(instances):
        for instance in instances:
            if len(instance) != len(weights):
                raise ValueError(f"each instance needs {len(weights)} features, got {len(instance)}")
        return [sum(w * float(x) for w, x in zip(weights, instance)) + bias for instance in instances]

    return predict_linear


def wait_and_load() -> None:
    marker = MODEL_DIR / MODEL_MARKER
    log.info("waiting for %s", marker)
    while not marker.exists():
        time.sleep(MODEL_POLL_SECONDS)
    try:
        model = load_model(MODEL_DIR)
    except Exception as error:  # Any failure must reach /health, or the pod idles unready.
        log.exception("loading the model from %s failed", MODEL_DIR)
        with state.lock:
            state.load_error = f"{type(error).__name__}: {error}"
        return
    with state.lock:
        state.model = model
    log.info("model loaded from %s", MODEL_DIR)


@app.get("/health")
def health():
    with state.lock:
        error = state.load_error
    if error is not None:
        return jsonify(status="failed", error=error), 500
    return jsonify(status="ok")


@app.get("/ready")
def ready():
    with state.lock:
        loaded = state.model is not None
    if not loaded:
        return jsonify(status="loading", modelDir=str(MODEL_DIR)), 503
    return jsonify(status="ready")


def authorized() -> bool:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    # compare_digest: the time taken does not tell how much of a guessed key was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(key.strip().encode(), API_KEY.encode())


@app.post("/predict")
def predict():
    if not authorized():
        state.count("/predict", 401)
        body = jsonify(error="missing or wrong API key (Authorization: Bearer <key>)")
        return body, 401, {"WWW-Authenticate": "Bearer"}
    started = time.perf_counter()
    status, body = _predict(request.get_json(silent=True))
    state.count("/predict", status)
    if status == 200:
        state.observe(time.perf_counter() - started)
    return jsonify(body), status


def _predict(payload):
    with state.lock:
        model = state.model
    if model is None:
        return 503, {"error": "model not loaded yet"}
    if not isinstance(payload, dict) or not isinstance(payload.get("instances"), list):
        return 400, {"error": 'body must be JSON {"instances": [...]}'}
    try:
        return 200, {"predictions": model(payload["instances"])}
    except (ValueError, TypeError) as error:
        return 400, {"error": str(error)}


@app.get("/metrics")
def metrics():
    with state.lock:
        lines = [
            "# HELP inference_requests_total Prediction requests by HTTP status.",
            "# TYPE inference_requests_total counter",
        ]
        for (endpoint, status), count in sorted(state.requests.items()):
            lines.append(f'inference_requests_total{{endpoint="{endpoint}",code="{status}"}} {count}')
        lines += [
            "# HELP inference_request_duration_seconds Latency of successful predictions.",
            "# TYPE inference_request_duration_seconds histogram",
        ]
        for bound, count in zip(LATENCY_BUCKETS, state.bucket_counts):
            lines.append(f'inference_request_duration_seconds_bucket{{le="{bound}"}} {count}')
        lines += [
            f'inference_request_duration_seconds_bucket{{le="+Inf"}} {state.latency_count}',
            f"inference_request_duration_seconds_sum {state.latency_sum}",
            f"inference_request_duration_seconds_count {state.latency_count}",
            "# HELP inference_model_loaded 1 once the model is loaded.",
            "# TYPE inference_model_loaded gauge",
            f"inference_model_loaded {1 if state.model is not None else 0}",
        ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")


logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
# One loader per process; gunicorn runs a single worker so the model sits in (GPU) memory once.
threading.Thread(target=wait_and_load, name="model-loader", daemon=True).start()
