"""The ledger of code the fast lane never runs, and why (checked by ``scripts/untaken_code.py``
against the lane's coverage XML: ``make coverage``, and the pull-request gate).

A key is ``path::function`` (the innermost function or class holding the place); the value is
how many untaken places (lines never run, branch sides never taken) the function may have, and
why no fast test takes them. Most reasons are one of: the slow or GPU lane runs it (named), a
real network, process or optional package the lane does not have, or a defence that no input
can reach today (say why, so a reviewer can check it still holds). A function gaining untaken
code fails the check: write the test, or add the count and the reason here.
"""

from __future__ import annotations

_SERVER = (
    "uvicorn's connection handling: the slow fault suite (tests/api/test_faults.py) drives it "
    "over real sockets in a subprocess; the fast lane uses the in-process ASGI client"
)
_BENCH = (
    "the benchmark: the slow lane's `bench` command tests (tests/inference/test_cli.py) run "
    "it on a staged model; it times seconds of inference, too long for the fast lane"
)
_CUDA = "needs a CUDA device: the GPU lane (scripts/gpu_run.sh) runs it"
_COMPILE = "torch.compile takes minutes on 2 CPU cores: the GPU lane's throughput table runs it"
_EMNIST = (
    "real EMNIST archive: the slow lane's tests/data/test_emnist.py reads a miniature archive "
    "built in the exact upstream format"
)
_IAM = (
    "IAM layouts the miniature archives do not have; the slow lane's tests/data/test_iam.py "
    "prepares the miniature IAM end to end"
)
_NPM = "runs npm: the set-up (`make setup`) installs the npm fonts; the lane has no npm"
_DEFENCE = "a defence no input reaches today"

UNTAKEN: dict[str, tuple[int, str]] = {
    # -- service ------------------------------------------------------------------------------
    "text_recognizer/api/app.py::create_app.on_http_error": (
        3,
        "an HTTPException other than 404/405: the routes raise RequestError, so only Starlette "
        "raises HTTPException, and only with those two codes",
    ),
    "text_recognizer/api/app.py::create_app.on_validation_error": (
        1,
        f"{_DEFENCE}: the routes take the raw Request and parse it themselves, so FastAPI has "
        "no parameters to validate",
    ),
    "text_recognizer/api/app.py::_recognize": (
        1,
        "re-raises a RequestError from the service unchanged; the service raises none today "
        "(its refusals come before _recognize, in check_ready and admit)",
    ),
    "text_recognizer/api/batching.py::MicroBatcher.start": (
        1,
        "starting an already started batcher: the app starts it once, in its lifespan",
    ),
    "text_recognizer/api/batching.py::MicroBatcher.stop": (
        2,
        "stopping a batcher that never started, or whose queued job already has a result: "
        "only a shutdown racing a request reaches it (the slow fault suite's SIGTERM tests)",
    ),
    "text_recognizer/api/batching.py::MicroBatcher._collect": (
        2,
        "the batch window closing with the batch not yet full under real timing: the slow "
        "load test (tests/scripts/test_load_test.py) fills windows over real sockets",
    ),
    "text_recognizer/api/batching.py::MicroBatcher._run": (
        2,
        "a job cancelled (its client gone) between queueing and batching: only real "
        "disconnects mid-request do it (the slow fault suite)",
    ),
    "text_recognizer/api/batching.py::MicroBatcher._predict_group": (
        2,
        f"{_DEFENCE}: the recognizer returns one prediction per image (tests/inference "
        "checks that contract); this names the culprit should a backend break it",
    ),
    "text_recognizer/api/limits.py::open_image": (
        1,
        "MemoryError passes through unconverted: a test cannot exhaust the process's memory "
        "safely",
    ),
    "text_recognizer/api/limits.py::finish_decode": (
        1,
        "MemoryError passes through unconverted (as open_image): the slow fault suite",
    ),
    "text_recognizer/api/limits.py::ByteBudget.acquire": (
        2,
        "a waiter granted its bytes in the same instant its request was cancelled: a race "
        "that the asyncio tests cannot schedule deterministically",
    ),
    "text_recognizer/api/limits.py::ByteBudget._grant": (
        1,
        "the head waiter already cancelled when bytes free up: the same race as acquire",
    ),
    "text_recognizer/api/limits.py::release_free_memory": (
        2,
        "glibc's malloc_trim: the tests stub it (its effect is the process's resident memory, "
        "which the slow fault suite measures)",
    ),
    "text_recognizer/api/limits.py::_libc_function": (
        2,
        "a platform without a loadable libc (musl, macOS): CI and this machine have glibc",
    ),
    "text_recognizer/api/middleware.py::GuardMiddleware.__call__.send_with_headers": (
        1,
        "a streamed response body (more_body=True): the service's responses are single JSON "
        "bodies; Starlette's file responses stream only over a real server",
    ),
    "text_recognizer/api/server.py::ConnectionTracker.opened": (1, _SERVER),
    "text_recognizer/api/server.py::ConnectionTracker.closed": (1, _SERVER),
    "text_recognizer/api/server.py::ConnectionTracker.timed_out": (2, _SERVER),
    "text_recognizer/api/server.py::deadline_protocol.DeadlineProtocol.connection_made": (
        3,
        _SERVER,
    ),
    "text_recognizer/api/server.py::deadline_protocol.DeadlineProtocol.connection_lost": (
        3,
        _SERVER,
    ),
    "text_recognizer/api/server.py::deadline_protocol.DeadlineProtocol.handle_events": (
        3,
        _SERVER,
    ),
    "text_recognizer/api/server.py::deadline_protocol.DeadlineProtocol.on_response_complete": (
        3,
        _SERVER,
    ),
    "text_recognizer/api/server.py::deadline_protocol.DeadlineProtocol._request_in_flight": (
        1,
        _SERVER,
    ),
    "text_recognizer/api/server.py::deadline_protocol.DeadlineProtocol._arm_header_deadline": (
        2,
        _SERVER,
    ),
    "text_recognizer/api/server.py::deadline_protocol.DeadlineProtocol._disarm_header_deadline": (
        3,
        _SERVER,
    ),
    "text_recognizer/api/server.py::deadline_protocol.DeadlineProtocol._headers_too_slow": (
        5,
        _SERVER,
    ),
    "text_recognizer/api/server.py::build_server.DrainingServer.shutdown": (2, _SERVER),
    "text_recognizer/api/server.py::build_server.stop": (2, _SERVER),
    "text_recognizer/api/service.py::RecognitionService.wait_until_loaded": (
        1,
        "waiting on a service that was never asked to load: the app always loads at start-up",
    ),
    "text_recognizer/api/service.py::RecognitionService._load": (
        2,
        "a load loop that runs zero attempts, and a failed load with no callback: the app "
        "always passes attempts >= 1 and its own callback",
    ),
    # -- benchmarks ---------------------------------------------------------------------------
    "text_recognizer/bench.py::_sync": (2, _BENCH),
    "text_recognizer/bench.py::time_calls": (10, _BENCH),
    "text_recognizer/bench.py::_row": (2, _BENCH),
    "text_recognizer/bench.py::sample_images": (14, _BENCH),
    "text_recognizer/bench.py::random_recognizer": (5, _BENCH),
    "text_recognizer/bench.py::inference_rows": (30, _BENCH),
    "text_recognizer/bench.py::backend_rows": (18, _BENCH),
    "text_recognizer/bench.py::paragraph_part_rows": (14, _BENCH),
    "text_recognizer/bench.py::training_rows": (11, _BENCH),
    "text_recognizer/bench.py::format_table": (5, _BENCH),
    "text_recognizer/cli/bench.py::run": (11, _BENCH),
    # -- command line -------------------------------------------------------------------------
    "text_recognizer/cli/__init__.py::main": (
        2,
        "Ctrl-C during a command: an in-process test cannot send the interrupt to itself safely",
    ),
    "text_recognizer/cli/data_validate.py::run_validate": (
        1,
        "validating without --report: every CLI test writes the report to check it",
    ),
    "text_recognizer/cli/regress.py::run_probes": (
        7,
        "probes skipped for a missing extra, and probes without a golden: the lane has every "
        "extra and every probe recorded; test_pipeline_probes.py checks the goldens are complete",
    ),
    "text_recognizer/cli/regress.py::run_check": (
        6,
        "a sample of a kind the model lacks (the tiny model reads both), onnxruntime missing "
        "(the lane has it), and a failing loss-ranked suite (the slow test_loss_ranked.py)",
    ),
    "text_recognizer/cli/regress.py::run_behaviour": (
        2,
        "behaviour suites out of tolerance on the staged model: the slow lane's "
        "tests/regression/test_behaviour_suites.py",
    ),
    "text_recognizer/cli/serve.py::recognizer_factory": (
        2,
        "serving without --model and without a packaged default model: the lane has the "
        "packaged default",
    ),
    "text_recognizer/cli/serve.py::handle": (
        2,
        "`serve` exiting because its model failed to load: it runs uvicorn; the slow fault "
        "suite starts the real server with a missing model",
    ),
    "text_recognizer/cli/stage.py::run": (
        7,
        "the card's calibration and evaluation lines: the command test stages without "
        "--eval-data (each costs seconds); test_stage.py checks both through stage()",
    ),
    # -- data ---------------------------------------------------------------------------------
    "text_recognizer/data/archive.py::_extract_tar": (
        2,
        f"{_DEFENCE}: _check_tar_member refuses every member tarfile's data filter would "
        "(links out, devices, absolute names), so the filter never fires",
    ),
    "text_recognizer/data/corpus.py::export_words": (
        2,
        "wordfreq returning a word with a newline: it never does; the guard keeps a word file "
        "one word per line should it change",
    ),
    "text_recognizer/data/corpus.py::sample_text": (
        1,
        "an empty sentence drawn: the word list has no empty entries",
    ),
    "text_recognizer/data/datasets.py::SyntheticDataset.__getitem__": (
        2,
        f"{_DEFENCE}: a sample rendered into another split than its index's; fails loudly "
        "should split_for_index and the renderer disagree",
    ),
    "text_recognizer/data/download.py::_fetch_into": (
        2,
        "the connection dropping mid-body: the loopback server sends whole bodies; a dropped "
        "transfer is covered by the 'ended early' check (test_download.py)",
    ),
    "text_recognizer/data/download.py::_expected_total": (
        1,
        "a 206 whose Content-Range has an unknown total ('*'): the loopback server always sends it",
    ),
    "text_recognizer/data/emnist.py::_read_member": (8, _EMNIST),
    "text_recognizer/data/emnist.py::find_source": (2, _EMNIST),
    "text_recognizer/data/emnist.py::load_emnist": (4, _EMNIST),
    "text_recognizer/data/emnist.py::sample_sentences": (4, _EMNIST),
    "text_recognizer/data/emnist.py::prepare_emnist_lines": (2, _EMNIST),
    "text_recognizer/data/emnist.py::download_emnist": (
        3,
        "downloads the real EMNIST archive: the `data` lane (pytest -m data) on a machine "
        "with network",
    ),
    "text_recognizer/data/font_bundle.py::read_bundle": (
        4,
        "a font bundle index of another format or malformed: the GPU run's bundle is written "
        "by scripts/gpu_bundle.py (its slow test reads one back)",
    ),
    "text_recognizer/data/font_install.py::InstallReport.summary": (3, _NPM),
    "text_recognizer/data/font_install.py::_unpack": (1, _NPM),
    "text_recognizer/data/font_install.py::_install_one": (4, _NPM),
    "text_recognizer/data/font_sheet.py::_writing": (
        4,
        "the writers' contact sheet (`text-recognizer data fonts --sheet`): a picture for "
        "people, made on demand",
    ),
    "text_recognizer/data/font_sheet.py::writer_sheet": (
        16,
        "the writers' contact sheet, as _writing",
    ),
    "text_recognizer/data/font_vetting.py::vet_font": (
        2,
        "a font whose space has no width: none of the installed fonts has one",
    ),
    "text_recognizer/data/fonts.py::read_catalog": (
        2,
        f"{_DEFENCE}: a catalogue row with an unknown style; the committed catalogue is "
        "checked row by row by tests/data/test_fonts.py",
    ),
    "text_recognizer/data/fonts.py::_find_file": (
        1,
        "a font search folder that does not exist: every configured folder exists here",
    ),
    "text_recognizer/data/fonts.py::_pypi_font_path": (
        2,
        "a fontpkg wheel that is not installed: the set-up installs every one in the catalogue",
    ),
    "text_recognizer/data/fonts.py::install_hint": (
        3,
        "a hint for fonts missing from only some of the three sources: the tests remove all",
    ),
    "text_recognizer/data/fonts.py::split_writers": (
        2,
        "public two-way view of writers_by_split (which the font tests cover), kept for "
        "callers of the old split; nothing in the package calls it",
    ),
    "text_recognizer/data/handwriting.py::_word": (
        1,
        "a glyph with an empty mask inside a word: the vetted fonts draw every glyph they keep",
    ),
    "text_recognizer/data/handwriting.py::layout": (
        5,
        "a line of only spaces, or with no drawable word: the corpus never samples one",
    ),
    "text_recognizer/data/iam.py::_index_files": (2, _IAM),
    "text_recognizer/data/iam.py::_find_split_files": (1, _IAM),
    "text_recognizer/data/iam.py::_load_page": (2, _IAM),
    "text_recognizer/data/iam.py::_load_line_image": (3, _IAM),
    "text_recognizer/data/iam.py::prepare_iam": (4, _IAM),
    "text_recognizer/data/iam_forms.py::_int_attribute": (
        2,
        "an IAM form attribute that is absent but has a default: the miniature forms write "
        "every attribute",
    ),
    "text_recognizer/data/page.py::_span": (
        3,
        "a reach of 1 (text_block always passes >= 2) and a profile whose runs are all "
        "too small to keep: its ink then counts as specks, which the caller handles as None",
    ),
    "text_recognizer/data/page.py::text_block": (
        2,
        "rows with text but no column span: the rows' runs were kept, so their columns are too",
    ),
    "text_recognizer/data/paper.py::box_blur": (
        2,
        "a blur radius of 0: the paper textures always blur by a positive radius",
    ),
    "text_recognizer/data/preprocess.py::to_grayscale": (
        2,
        f"{_DEFENCE}: every mode this Pillow can create converts to grey (LAB, HSV, YCbCr, "
        "RGBX, CMYK checked); a future mode would be named instead of crashing",
    ),
    "text_recognizer/data/synthetic.py::_worker_init": (
        3,
        "runs in spawned generator workers (workers > 1); coverage does not follow them",
    ),
    "text_recognizer/data/synthetic.py::generate_dataset": (
        6,
        "the spawned worker pool (workers > 1): the slow lane's test_synthetic.py checks that "
        "1 and 2 workers write identical data sets",
    ),
    "text_recognizer/data/vetting_cache.py::VettingCache.vetting": (
        2,
        "a corrupt vetting cache entry: falls back to vetting the font again",
    ),
    "text_recognizer/provenance.py::git_revision": (
        2,
        "git missing or failing: tests/test_provenance.py needs git and runs in a checkout",
    ),
    # -- inference ----------------------------------------------------------------------------
    "text_recognizer/recognizer.py::_network": (
        4,
        f"{_DEFENCE}: an exported backend without a staged folder, and an unknown backend; "
        "Recognizer.load checks the backend and every loaded model has its folder",
    ),
    "text_recognizer/segmentation.py::_cut": (
        2,
        f"{_DEFENCE}: two text cores that touch; the core finder merges runs closer than "
        "BRIDGE_GAP, so cores are always a row or more apart",
    ),
    "text_recognizer/segmentation.py::_segment": (
        2,
        f"{_DEFENCE}: a band between two cuts without ink; each band holds a core, which "
        "holds at least MIN_LINE_INK",
    ),
    # -- training -----------------------------------------------------------------------------
    "text_recognizer/training/config.py::_check_model": (
        1,
        "overrides beside a preset name, checked against the model's fields: the shipped "
        "configs use none; overrides with an inline config are refused (test_config.py)",
    ),
    "text_recognizer/training/experiment.py::_loggers": (
        3,
        "the wandb logger: wandb is an optional package the lane does not install",
    ),
    "text_recognizer/training/experiment.py::run": (
        4,
        f"{_COMPILE}; and the non-zero ranks of a multi-process run (one process here)",
    ),
    "text_recognizer/training/model_card.py::calibration_markdown": (
        1,
        "an evaluation with a calibration table on the card: the slow staging with eval and "
        "calibration data writes one",
    ),
    "text_recognizer/training/schema.py::_items_fit": (
        2,
        "a bare list or tuple hint: _fits only calls this with the arguments of a "
        "parametrised hint",
    ),
    "text_recognizer/training/stage.py::_backends": (
        3,
        "staging without onnxruntime: the lane installs it; staging without the onnx "
        "exporter is tested (test_stage.py)",
    ),
    "text_recognizer/training/stage.py::_checkpoint_metadata": (
        1,
        "a checkpoint callback without a monitor or best score: training always monitors "
        "val/cer",
    ),
    "text_recognizer/training/stage.py::stage": (
        2,
        "a checkpoint of an unknown model kind: the Lightning module refuses to load it first",
    ),
    "text_recognizer/training/throughput.py::gpu_plan": (1, _CUDA),
    "text_recognizer/training/throughput.py::_sync": (2, _CUDA),
    "text_recognizer/training/throughput.py::measure": (5, f"{_COMPILE}; {_CUDA}"),
    "text_recognizer/training/throughput.py::run_throughput": (2, _CUDA),
    "text_recognizer/training/throughput.py::row_dict": (
        1,
        "the JSON rows of the GPU run's throughput table (scripts/gpu_run.py)",
    ),
    # -- validation ---------------------------------------------------------------------------
    "text_recognizer/validation/tables.py::split_pairs_table": (
        2,
        "a split with no label characters or no images: such a split fails an earlier "
        "expectation (non-empty splits)",
    ),
    "text_recognizer/validation/validate.py::_outcome_parts": (
        2,
        "a great-expectations result without unexpected_count: the checks used all report it",
    ),
    "text_recognizer/validation/validate.py::run_checks": (
        2,
        f"{_DEFENCE}: great-expectations returning another number of results than checks",
    ),
}
