"""Pictures drawn on the server as inline SVG: no scripts, no fonts to fetch, works offline and
inside the mini-program's web-view. Inputs are plain numbers; text is escaped."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 340, 160
LEFT, RIGHT, TOP, BOTTOM = 28, 8, 12, 24
COLOURS = ("#d93025", "#1a73e8", "#188038", "#e37400")


def _frame(title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bars(title: str, points: list[tuple[str, int]]) -> Markup:
    """A bar per point (label, count): requests per day."""
    top = max([n for _, n in points] + [1])
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points), 1)
    body = [
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" '
        'stroke="#999" stroke-width="1"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" font-size="9" text-anchor="end">{top}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + inner_h}" font-size="9" text-anchor="end">0</text>',
    ]
    for i, (label, n) in enumerate(points):
        h = inner_h * n / top
        x = LEFT + i * step
        body.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{TOP + inner_h - h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{h:.1f}" fill="#1a73e8"><title>{escape(label)}：{n}</title></rect>'
        )
        last = len(points) - 1
        if i in (0, last) or (i % 7 == 0 and last - i > 3):
            anchor = "start" if i == 0 else "end" if i == last else "middle"
            where = x if i == 0 else x + step if i == last else x + step / 2
            body.append(f'<text x="{where:.1f}" y="{HEIGHT - 8}" font-size="9" '
                        f'text-anchor="{anchor}">{escape(label)}</text>')
    return _frame(title, body)


def lines(title: str, labels: list[str], series: dict[str, list[float | None]]) -> Markup:
    """One line per series of rates in [0, 1] (None: no data that week, the line breaks)."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM - 14
    step = inner_w / max(len(labels) - 1, 1)
    body = [
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" '
        'stroke="#999" stroke-width="1"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" font-size="9" text-anchor="end">100%</text>',
        f'<text x="{LEFT - 4}" y="{TOP + inner_h}" font-size="9" text-anchor="end">0</text>',
    ]
    for i, label in enumerate(labels):
        last = len(labels) - 1
        if i in (0, last) or (i % 2 == 0 and last - i > 1):
            anchor = "start" if i == 0 else "end" if i == last else "middle"
            body.append(f'<text x="{LEFT + i * step:.1f}" y="{TOP + inner_h + 12}" font-size="9" '
                        f'text-anchor="{anchor}">{escape(label)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        segments, current = [], []
        for i, value in enumerate(values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append(f"{LEFT + i * step:.1f},{TOP + inner_h * (1 - value):.1f}")
        if current:
            segments.append(current)
        for points in segments:
            if len(points) == 1:
                x, y = points[0].split(",")
                body.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{colour}"/>')
            else:
                body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                            f'points="{" ".join(points)}"/>')
        body.append(f'<rect x="{LEFT + k * 76}" y="{HEIGHT - 10}" width="8" height="8" '
                    f'fill="{colour}"/><text x="{LEFT + k * 76 + 11}" y="{HEIGHT - 3}" '
                    f'font-size="9">{escape(name)}</text>')
    return _frame(title, body)


def rate_bars(title: str, points: list[tuple[str, float | None]]) -> Markup:
    """A horizontal bar per point (label, rate in [0, 1]; None: no figure, no bar), in the
    order given: a ranking."""
    row, label_w = 18, 96
    height = TOP + row * max(len(points), 1) + 4
    inner_w = WIDTH - label_w - RIGHT - 36
    body = [f'<line x1="{label_w}" y1="{TOP - 4}" x2="{label_w}" y2="{height - 2}" '
            'stroke="#999" stroke-width="1"/>']
    for i, (label, rate) in enumerate(points):
        y = TOP + i * row
        name = label if len(label) <= 7 else label[:6] + "…"
        body.append(f'<text x="{label_w - 4}" y="{y + 12}" font-size="10" '
                    f'text-anchor="end">{escape(name)}</text>')
        if rate is None:
            body.append(f'<text x="{label_w + 4}" y="{y + 12}" font-size="10" fill="#777">—</text>')
            continue
        w = inner_w * max(0.0, min(rate, 1.0))
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="#1a73e8">'
            f'<title>{escape(label)}：{rate * 100:.1f}%</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 12}" font-size="10">{rate * 100:.1f}%</text>')
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )
