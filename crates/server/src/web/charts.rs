//! Charts drawn on the server as SVG: horizontal bars with their labels and values, sized to a
//! fixed width, every text escaped. No script, no external resource.

use std::fmt::Write as _;

/// One bar: a label, a value, and the text shown beside it.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Colours of the series, in order (blue, orange, grey), each with at least 3:1 contrast on
/// white.
const COLOURS: [&str; 3] = ["#0b5cad", "#b35900", "#57606a"];

/// One row of a grouped chart: a label, one value per series, and the text shown beside it.
pub struct Row {
    pub label: String,
    pub values: Vec<f64>,
    pub shown: String,
}

/// A reference line across the bars, for example a target.
pub struct Mark {
    pub value: f64,
    pub label: String,
}

/// A horizontal bar chart with a title; bars scale to the largest value.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let rows: Vec<Row> = bars
        .iter()
        .map(|b| Row {
            label: b.label.clone(),
            values: vec![b.value],
            shown: b.shown.clone(),
        })
        .collect();
    grouped(title, &[], &rows, None)
}

/// A horizontal bar chart with one bar per series in each row (a legend names the series when
/// there are several) and an optional reference line; everything scales to the largest value
/// or the mark, whichever is larger.
pub fn grouped(title: &str, series: &[&str], rows: &[Row], mark: Option<&Mark>) -> String {
    const WIDTH: f64 = 640.0;
    const LABEL: f64 = 180.0;
    const BAR: f64 = 16.0;
    let per_row = rows
        .iter()
        .map(|r| r.values.len())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let row_height = BAR * per_row + 10.0;
    let legend = if series.len() > 1 { 20.0 } else { 0.0 };
    let top = 30.0 + legend;
    let height = top + 8.0 + row_height * rows.len().max(1) as f64;
    let max = rows
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .chain(mark.map(|m| m.value))
        .fold(0.0_f64, f64::max);
    // Room for the bars: what the longest text beside a bar leaves (about 7.2 units a
    // character at this size), between 120 and 400.
    let longest = rows
        .iter()
        .map(|r| r.shown.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let room = (WIDTH - LABEL - 8.0 - 7.2 * longest).clamp(120.0, 400.0);
    let scale = |v: f64| {
        if max > 0.0 {
            (v.max(0.0) / max) * room
        } else {
            0.0
        }
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" aria-label=\"{}\">",
        escape(title)
    );
    let _ = write!(
        svg,
        "<title>{}</title><text x=\"0\" y=\"18\" font-size=\"15\" font-weight=\"600\" fill=\"#1b1f24\">{}</text>",
        escape(title),
        escape(title)
    );
    if series.len() > 1 {
        let mut x = 0.0;
        for (i, name) in series.iter().enumerate() {
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"30\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"41\" font-size=\"12\" fill=\"#1b1f24\">{}</text>",
                COLOURS[i % COLOURS.len()],
                x + 16.0,
                escape(name)
            );
            x += 24.0 + 7.0 * name.chars().count() as f64;
        }
    }
    if rows.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#57606a\">no data</text>",
            top + 20.0
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + row_height * i as f64;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"13\" fill=\"#1b1f24\">{}</text>",
            y + BAR * per_row / 2.0 + 4.0,
            escape(&row.label)
        );
        let mut longest = 0.0_f64;
        for (k, value) in row.values.iter().enumerate() {
            let length = scale(*value);
            longest = longest.max(length);
            let _ = write!(
                svg,
                "<rect x=\"{LABEL}\" y=\"{:.1}\" width=\"{length:.1}\" height=\"{}\" rx=\"3\" fill=\"{}\"/>",
                y + BAR * k as f64,
                BAR - 2.0,
                COLOURS[k % COLOURS.len()]
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"#57606a\">{}</text>",
            LABEL + longest + 8.0,
            y + BAR * per_row / 2.0 + 4.0,
            escape(&row.shown)
        );
    }
    if let Some(mark) = mark {
        let x = LABEL + scale(mark.value);
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#cf222e\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"12\" fill=\"#cf222e\">{}</text>",
            top - 4.0,
            height - 4.0,
            x + 4.0,
            top + 8.0,
            escape(&mark.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_and_escape() {
        let svg = bars(
            "Pipeline <by stage>",
            &[
                Bar {
                    label: "proposal".into(),
                    value: 100.0,
                    shown: "100".into(),
                },
                Bar {
                    label: "<script>".into(),
                    value: 50.0,
                    shown: "50".into(),
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        assert!(
            svg.contains("width=\"400.0\"") && svg.contains("width=\"200.0\""),
            "{svg}"
        );
        assert!(bars("Empty", &[]).contains("no data"));
    }

    #[test]
    fn grouped_bars_have_a_legend_and_a_mark_that_counts_in_the_scale() {
        let svg = grouped(
            "Coverage",
            &["open", "weighted"],
            &[Row {
                label: "Mei".into(),
                values: vec![2.0, 1.0],
                shown: "2x".into(),
            }],
            Some(&Mark {
                value: 4.0,
                label: "target <4x>".into(),
            }),
        );
        // The mark (4) is the largest value: 2 is half of the 400 units of room.
        assert!(
            svg.contains("width=\"200.0\"") && svg.contains("width=\"100.0\""),
            "{svg}"
        );
        assert!(svg.contains(">open</text>") && svg.contains(">weighted</text>"));
        assert!(
            svg.contains("x1=\"580.0\"") && svg.contains("target &lt;4x&gt;"),
            "{svg}"
        );
        // A long text beside the bars leaves them less room.
        let long = grouped(
            "Long",
            &[],
            &[Row {
                label: "x".into(),
                values: vec![1.0],
                shown: "9".repeat(40),
            }],
            None,
        );
        assert!(long.contains("width=\"164.0\""), "{long}");
    }
}
