"""Makes rotation_fixture.json: an independent reference for Shared/Learning/Data/Rotation.swift.

Not run by the tests; run by hand (needs numpy and scipy):
    python3 make_rotation_fixture.py /work/shared/data/mnist-subset/t10k-images-idx3-ubyte.gz

It takes one real MNIST test image (index 0), converts it to float64 / 255 and rotates it
with scipy.ndimage.rotate(img, theta, reshape=False, order=1, mode="grid-constant", cval=0)
for each theta. Before writing, it checks that scipy agrees with the spec formula of
experiment.md (written out below, independently of the Swift code), so the fixture
cannot silently encode a different convention.
"""
import gzip
import json
import math
import sys

import numpy as np
import scipy
import scipy.ndimage as ndimage

ANGLES = [0, 45, 90, -30]
INDEX = 0


def spec_rotate(img, theta):
    """experiment.md: output (r, c) samples the source at
    row = cos*dy + sin*dx + cy, col = -sin*dy + cos*dx + cx; bilinear; zero outside."""
    rows, cols = img.shape
    cy, cx = (rows - 1) / 2, (cols - 1) / 2
    co, si = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    out = np.zeros_like(img)
    for r in range(rows):
        for c in range(cols):
            dy, dx = r - cy, c - cx
            sr, sc = co * dy + si * dx + cy, -si * dy + co * dx + cx
            r0, c0 = math.floor(sr), math.floor(sc)
            fr, fc = sr - r0, sc - c0
            total = 0.0
            for rr, cc, w in ((r0, c0, (1 - fr) * (1 - fc)), (r0, c0 + 1, (1 - fr) * fc),
                              (r0 + 1, c0, fr * (1 - fc)), (r0 + 1, c0 + 1, fr * fc)):
                if 0 <= rr < rows and 0 <= cc < cols:
                    total += w * img[rr, cc]
            out[r, c] = total
    return out


def main(path):
    with gzip.open(path) as f:
        data = f.read()
    magic, count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in range(0, 16, 4))
    assert magic == 2051, magic
    size = rows * cols
    raw = np.frombuffer(data, dtype=np.uint8, offset=16 + INDEX * size, count=size)
    img = raw.reshape(rows, cols).astype(np.float64) / 255

    outputs = {}
    for theta in ANGLES:
        expected = ndimage.rotate(img, theta, reshape=False, order=1, mode="grid-constant", cval=0)
        gap = np.abs(expected - spec_rotate(img, theta)).max()
        assert gap < 1e-12, f"scipy and the spec formula differ by {gap} at {theta} degrees"
        outputs[str(theta)] = [float(f"{v:.9g}") for v in expected.ravel()]

    fixture = {
        "what": "scipy.ndimage.rotate(img/255, theta, reshape=False, order=1, "
                "mode='grid-constant', cval=0), row-major",
        "source": f"{path.split('/')[-1]} image {INDEX}",
        "scipy": scipy.__version__,
        "rows": rows,
        "cols": cols,
        "image_u8": [int(v) for v in raw],
        "rotated": outputs,
    }
    with open("rotation_fixture.json", "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
