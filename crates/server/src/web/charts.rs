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

/// A horizontal bar chart with a title; bars scale to the largest value.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    const WIDTH: f64 = 640.0;
    const LABEL: f64 = 180.0;
    const ROW: f64 = 28.0;
    let height = 36.0 + ROW * bars.len().max(1) as f64;
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
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
    if bars.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"52\" font-size=\"13\" fill=\"#57606a\">no data</text>"
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = 30.0 + ROW * i as f64;
        let room = WIDTH - LABEL - 200.0;
        let length = if max > 0.0 {
            (bar.value.max(0.0) / max) * room
        } else {
            0.0
        };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{ty}\" font-size=\"13\" fill=\"#1b1f24\">{label}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{length:.1}\" height=\"18\" rx=\"3\" fill=\"#0b5cad\"/>\
             <text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"13\" fill=\"#57606a\">{shown}</text>",
            ty = y + 14.0,
            label = escape(&bar.label),
            tx = LABEL + length + 8.0,
            shown = escape(&bar.shown),
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
            svg.contains("width=\"260.0\"") && svg.contains("width=\"130.0\""),
            "{svg}"
        );
        assert!(bars("Empty", &[]).contains("no data"));
    }
}
