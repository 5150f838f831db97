"""What the training tests share: the repository on the import path (exit 77, skipped, without PyTorch,
NumPy or Pillow) and the run of their test_* functions.

    import runner
    ROOT = runner.setup()          # before importing torch or models.train
    ...
    sys.exit(runner.run(TESTS, "smoke test", cleanup=TMP))
"""
import os
import shutil
import sys
import time
import traceback


def setup():
    """The repository root (argv[1], else two folders up), put first on sys.path."""
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    sys.path.insert(0, root)
    try:
        import numpy  # noqa: F401
        import PIL  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        print(f"SKIP: {e}")
        sys.exit(77)
    return root


def run(tests, title, cleanup=None):
    """Runs every test (or those named after the root on the command line), each to its end: an
    AssertionError prints its message, anything else its traceback.  Removes the folder `cleanup` at the
    end.  Returns the exit status: 1 if any failed."""
    t_start = time.time()
    only = set(sys.argv[2:])
    failed = []
    try:
        for test in tests:
            if only and test.__name__ not in only:
                continue
            t = time.time()
            try:
                test()
            except Exception as e:
                failed.append(test.__name__)
                detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                print(f"FAIL {test.__name__}: {detail}")
                continue
            print(f"ok {test.__name__} ({time.time() - t:.1f} s)")
    finally:
        if cleanup:
            shutil.rmtree(cleanup, ignore_errors=True)
    print(f"{title} took {time.time() - t_start:.1f} s; {len(failed)} failed")
    return 1 if failed else 0
