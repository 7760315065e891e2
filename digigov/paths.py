"""Where the committed data live."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
BOUNDARY_DIR = DATA_DIR / "boundaries"
SAMPLE_DIR = DATA_DIR / "samples"
STATIC_DIR = PROJECT_ROOT / "static"
