"""Generated VHS cases: a schematic lateral thorax with a known vertebral heart score.

``generate_case(seed)`` draws the anatomy from the seed (vertebrae of slightly uneven
length along a gently sloping spine, a heart of a chosen VHS with its apex pointing
cranioventrally, trachea, ribs, diaphragm, sternum); ``render_svg`` draws it like a
radiograph: bone white, soft tissue grey, air black. Every seed gives another case and
the same seed always gives the same one, so a case needs no storage: the attempt keeps
the seed. The reference VHS is exact by construction — the heart's axes are laid out
with ``clinical.geometry.length_for_vertebrae`` on the case's own vertebrae — and is
recomputed from the reference points by ``vhs_from_points`` like any measurement.

No Django here: the e2e test imports this module to know where to click.

The generator is frozen: stored attempts keep only the seed, so a change to
``generate_case`` would show old attempts on another picture. Add a new, versioned
generator instead (a test pins one case).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from html import escape

from onevoice.clinical.geometry import Point, length_for_vertebrae, vhs_from_points

WIDTH, HEIGHT = 900, 620
THORACIC = 13
DRAWN_VERTEBRAE = 16  # T1-T13 and the first lumbar vertebrae
T4 = 3  # index of T4's cranial edge among the marks (T1 is 0)
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class SchematicCase:
    """One generated case: the anatomy's key points and its reference measurement."""

    seed: int
    marks: tuple[Point, ...]  # cranial edge of T1, T2, …, on the spine's centre line
    unit: float  # mean vertebra length, in SVG units
    spine_angle: float  # radians
    body_height: float  # dorsoventral height of a vertebral body
    carina: Point
    apex: Point
    short_axis: tuple[Point, Point]
    split: float  # where along the long axis the heart is widest (0 carina, 1 apex)
    sternum_depth: float  # distance from the spine line to the sternum
    target_vhs: float

    @property
    def long_axis(self) -> tuple[Point, Point]:
        return (self.carina, self.apex)

    @property
    def vhs_marks(self) -> tuple[Point, ...]:
        """The reference vertebra marks: cranial edges from T4 on."""
        return self.marks[T4:]

    @property
    def reference_vhs(self) -> float:
        return vhs_from_points(
            long_axis=self.long_axis, short_axis=self.short_axis, vertebrae=self.vhs_marks
        ).vhs

    @property
    def reference_points(self) -> dict[str, list[list[float]]]:
        return {
            "long_axis": [list(p) for p in self.long_axis],
            "short_axis": [list(p) for p in self.short_axis],
            "vertebrae": [list(p) for p in self.vhs_marks[:11]],
        }

    @property
    def landmarks(self) -> dict[str, Point]:
        """Points a hotspot question can ask for."""
        return {"t4": self.marks[T4], "carina": self.carina, "apex": self.apex}


def _along(p: Point, d: Point, t: float) -> Point:
    return (p[0] + d[0] * t, p[1] + d[1] * t)


def generate_case(seed: int) -> SchematicCase:
    """The case of ``seed`` (0 ≤ seed < 2**31): VHS 8.6-12.8, uneven vertebrae, tilt."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and {MAX_SEED}, not {seed}")
    rng = random.Random(seed)
    unit = rng.uniform(39.0, 45.0)
    angle = math.radians(rng.uniform(-3.0, 6.0))
    d = (math.cos(angle), math.sin(angle))  # caudal along the spine
    n = (-math.sin(angle), math.cos(angle))  # ventral
    start = (rng.uniform(95.0, 120.0), rng.uniform(120.0, 150.0))
    marks = [start]
    for _ in range(DRAWN_VERTEBRAE):
        length = unit * (1 + max(-0.06, min(0.06, rng.gauss(0, 0.03))))
        marks.append(_along(marks[-1], d, length))
    vhs_marks = marks[T4:]

    target = round(rng.uniform(8.6, 12.8), 1)
    long_v = round(target * rng.uniform(0.53, 0.58), 2)
    short_v = target - long_v
    long_px = length_for_vertebrae(long_v, vhs_marks)
    short_px = length_for_vertebrae(short_v, vhs_marks)
    body_height = 0.62 * unit
    # The carina sits ventral to T4-T5; the apex points ventrally and a little caudally.
    base = _along(marks[4], d, rng.uniform(-0.3, 0.4) * unit)
    carina = _along(base, n, rng.uniform(1.7, 2.1) * unit)
    tilt = math.radians(rng.uniform(8.0, 28.0))
    axis = (
        n[0] * math.cos(tilt) + d[0] * math.sin(tilt),
        n[1] * math.cos(tilt) + d[1] * math.sin(tilt),
    )
    apex = _along(carina, axis, long_px)
    split = rng.uniform(0.45, 0.56)
    centre = _along(carina, axis, split * long_px)
    perp = (-axis[1], axis[0])
    short_axis = (_along(centre, perp, short_px / 2), _along(centre, perp, -short_px / 2))
    depth_apex = (apex[0] - start[0]) * n[0] + (apex[1] - start[1]) * n[1]
    sternum_depth = depth_apex + rng.uniform(0.45, 0.8) * unit
    return SchematicCase(
        seed=seed,
        marks=tuple(marks),
        unit=unit,
        spine_angle=angle,
        body_height=body_height,
        carina=carina,
        apex=apex,
        short_axis=short_axis,
        split=split,
        sternum_depth=sternum_depth,
        target_vhs=target,
    )


def random_seed(rng: random.Random | None = None) -> int:
    return (rng or random.SystemRandom()).randint(1, MAX_SEED)


# ---------------------------------------------------------------- drawing


def _f(v: float) -> str:
    return f"{v:.1f}"


def _pt(p: Point) -> str:
    return f"{p[0]:.1f},{p[1]:.1f}"


def _heart_path(case: SchematicCase) -> str:
    """Two half-ellipses joined at the short axis: widest there, as the method assumes."""
    (cx, cy), (ax, ay) = case.carina, case.apex
    length = math.hypot(ax - cx, ay - cy)
    ux, uy = (ax - cx) / length, (ay - cy) / length
    vx, vy = -uy, ux
    half = math.dist(*case.short_axis) / 2
    mx, my = cx + ux * case.split * length, cy + uy * case.split * length
    a_base, a_apex = case.split * length, (1 - case.split) * length
    pts = []
    for i in range(73):
        t = 2 * math.pi * i / 72
        along, across = math.cos(t), math.sin(t)
        a = a_apex if along > 0 else a_base
        # A little flattening at the base and a blunt apex read as a heart, not an egg.
        r_across = half * (1 - 0.06 * max(0.0, -along))
        pts.append(
            (
                mx + ux * a * along + vx * r_across * across,
                my + uy * a * along + vy * r_across * across,
            )
        )
    return "M" + " L".join(_pt(p) for p in pts) + " Z"


def _vertebra(case: SchematicCase, i: int) -> str:
    a, b = case.marks[i], case.marks[i + 1]
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    nx, ny = -uy, ux
    body = 0.86 * length
    h = case.body_height / 2
    corners = [
        (a[0] - nx * h, a[1] - ny * h),
        (a[0] + ux * body - nx * h, a[1] + uy * body - ny * h),
        (a[0] + ux * body + nx * h, a[1] + uy * body + ny * h),
        (a[0] + nx * h, a[1] + ny * h),
    ]
    spine_len = case.unit * (1.7 - 0.07 * min(i, 12)) if i < THORACIC else case.unit * 0.6
    top = (a[0] + ux * body * 0.45 - nx * h, a[1] + uy * body * 0.45 - ny * h)
    tip = (
        top[0] - nx * spine_len + ux * 0.35 * case.unit,
        top[1] - ny * spine_len + uy * 0.35 * case.unit,
    )
    return (
        f'<polygon class="vb" points="{" ".join(_pt(c) for c in corners)}"/>'
        f'<line class="sp" x1="{_f(top[0])}" y1="{_f(top[1])}" x2="{_f(tip[0])}" y2="{_f(tip[1])}"/>'
    )


def render_svg(
    case: SchematicCase,
    *,
    overlay: str = "",
    element_id: str = "radiograph",
    attrs: str = "",
) -> str:
    """The case as an inline SVG radiograph; ``overlay`` is extra SVG drawn on top."""
    u = case.unit
    d = (math.cos(case.spine_angle), math.sin(case.spine_angle))
    n = (-math.sin(case.spine_angle), math.cos(case.spine_angle))
    first, last = case.marks[0], case.marks[THORACIC]
    depth = case.sternum_depth

    def at(p: Point, along: float, down: float) -> Point:
        return (p[0] + d[0] * along + n[0] * down, p[1] + d[1] * along + n[1] * down)

    body = [
        at(first, -4.5 * u, -2.6 * u),
        at(last, 4.5 * u, -2.4 * u),
        at(last, 4.5 * u, depth + 1.8 * u),
        at(first, 1.0 * u, depth + 1.4 * u),
        at(first, -1.5 * u, depth * 0.6),
        at(first, -4.5 * u, 3.0 * u),
    ]
    lung = (
        f"M{_pt(at(first, 0.2 * u, 0.55 * u))} "
        f"C{_pt(at(first, 4 * u, 0.2 * u))} {_pt(at(last, -3 * u, 0.2 * u))} {_pt(at(last, 0.6 * u, 0.6 * u))} "
        f"C{_pt(at(last, 0.2 * u, depth * 0.55))} {_pt(at(last, -2.0 * u, depth))} {_pt(at(last, -4.2 * u, depth - 0.2 * u))} "
        f"L{_pt(at(first, 1.6 * u, depth - 0.3 * u))} "
        f"C{_pt(at(first, 0.0, depth * 0.7))} {_pt(at(first, -0.6 * u, depth * 0.3))} {_pt(at(first, 0.2 * u, 0.55 * u))} Z"
    )
    diaphragm = (
        f"M{_pt(at(last, 0.6 * u, 0.6 * u))} "
        f"C{_pt(at(last, -1.8 * u, depth * 0.45))} {_pt(at(last, -3.4 * u, depth * 0.8))} {_pt(at(last, -4.2 * u, depth - 0.2 * u))} "
        f"L{_pt(at(last, 3.8 * u, depth + 1.6 * u))} L{_pt(at(last, 3.5 * u, 0.0))} Z"
    )
    ribs = []
    for i in range(1, THORACIC):
        a = at(case.marks[i], 0.3 * u, 0.25 * u)
        reach = depth - 0.1 * u
        c1 = at(case.marks[i], 1.8 * u, 0.45 * reach)
        end = at(case.marks[i], (0.6 + 0.12 * i) * u - 1.8 * u * (1 - i / THORACIC), reach)
        ribs.append(f'<path class="rib" d="M{_pt(a)} Q{_pt(c1)} {_pt(end)}"/>')
    sternebrae = []
    for k in range(8):
        p = at(first, (1.8 + 1.05 * k) * u, depth + 0.2 * u)
        q = at(first, (2.55 + 1.05 * k) * u, depth + 0.2 * u)
        sternebrae.append(
            f'<line class="st" x1="{_f(p[0])}" y1="{_f(p[1])}" x2="{_f(q[0])}" y2="{_f(q[1])}"/>'
        )
    trachea_start = at(first, -3.5 * u, 1.0 * u)
    bend = at(first, 0.5 * u, 1.4 * u)
    trachea = f"M{_pt(trachea_start)} Q{_pt(bend)} {_pt(case.carina)}"
    aorta_start = at(case.marks[5], 0.0, 1.2 * u)
    aorta = (
        f"M{_pt(case.carina)} Q{_pt(at(case.marks[4], 0.4 * u, 0.9 * u))} {_pt(aorta_start)} "
        f"L{_pt(at(case.marks[11], 0.0, 0.9 * u))}"
    )
    vertebrae = "".join(_vertebra(case, i) for i in range(DRAWN_VERTEBRAE))
    return f"""<svg id="{escape(element_id)}" class="radiograph" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Schematic lateral thoracic radiograph, case {case.seed}" data-seed="{case.seed}" data-width="{WIDTH}" data-height="{HEIGHT}" {attrs}>
<defs>
  <filter id="soft-{case.seed}" x="-5%" y="-5%" width="110%" height="110%"><feGaussianBlur stdDeviation="{_f(0.08 * u)}"/></filter>
  <filter id="grain-{case.seed}"><feTurbulence type="fractalNoise" baseFrequency="0.9" numOctaves="2" seed="{case.seed % 997}"/><feColorMatrix values="0 0 0 0 0.5  0 0 0 0 0.5  0 0 0 0 0.5  0 0 0 0.09 0"/></filter>
  <style>
    .vb {{ fill: #d9d9d4; stroke: #f4f4ef; stroke-width: 1.5; }}
    .sp {{ stroke: #c8c8c2; stroke-width: {_f(0.16 * u)}; stroke-linecap: round; }}
    .rib {{ fill: none; stroke: #8d8d88; stroke-width: {_f(0.13 * u)}; opacity: .75; }}
    .st {{ stroke: #bdbdb8; stroke-width: {_f(0.35 * u)}; stroke-linecap: round; }}
  </style>
</defs>
<rect width="{WIDTH}" height="{HEIGHT}" fill="#050505"/>
<polygon points="{" ".join(_pt(p) for p in body)}" fill="#505050" filter="url(#soft-{case.seed})"/>
<path d="{lung}" fill="#151515" filter="url(#soft-{case.seed})"/>
<path d="{diaphragm}" fill="#5a5a5a" filter="url(#soft-{case.seed})"/>
<path d="{aorta}" fill="none" stroke="#5e5e5e" stroke-width="{_f(0.4 * u)}" stroke-linecap="round" filter="url(#soft-{case.seed})"/>
<path d="{_heart_path(case)}" fill="#8c8c8a" filter="url(#soft-{case.seed})"/>
<path d="{trachea}" fill="none" stroke="#777" stroke-width="{_f(0.62 * u)}" stroke-linecap="round"/>
<path d="{trachea}" fill="none" stroke="#0b0b0b" stroke-width="{_f(0.42 * u)}" stroke-linecap="round"/>
{"".join(ribs)}
{"".join(sternebrae)}
{vertebrae}
<rect width="{WIDTH}" height="{HEIGHT}" filter="url(#grain-{case.seed})" pointer-events="none"/>
<text x="{WIDTH - 40}" y="40" fill="#eee" font-size="26" font-family="sans-serif">R</text>
<text x="14" y="{HEIGHT - 14}" fill="#888" font-size="13" font-family="sans-serif">Schematic case {case.seed} · not a real radiograph</text>
<g class="overlay">{overlay}</g>
<g class="marks"></g>
</svg>"""


def overlay_svg(points: dict[str, list[list[float]]], *, css_class: str, ticks: int = 0) -> str:
    """Lines for a measurement's axes and dots for its vertebra marks (for feedback)."""
    parts = []
    for key in ("long_axis", "short_axis"):
        seg = points.get(key) or []
        if len(seg) == 2:
            (x1, y1), (x2, y2) = seg
            parts.append(
                f'<line class="{css_class} {key}" x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}"/>'
            )
    for i, (x, y) in enumerate(points.get("vertebrae") or []):
        if ticks and i > ticks:
            break
        parts.append(f'<circle class="{css_class} vertebra" cx="{_f(x)}" cy="{_f(y)}" r="4"/>')
    return "".join(parts)
