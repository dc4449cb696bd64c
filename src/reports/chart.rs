//! Small server-rendered SVG charts (readable without JavaScript; the
//! table under each chart holds the same figures).

/// One bar: its label and its stacked parts (drawn bottom up).
pub struct Bar {
    pub label: String,
    pub parts: Vec<i64>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const BOTTOM: f64 = 24.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A stacked bar chart; `colours` and `names` go with the parts, `title`
/// is its accessible name.
pub fn bars(title: &str, bars: &[Bar], names: &[&str], colours: &[&str]) -> String {
    let max = bars
        .iter()
        .map(|b| b.parts.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = bars.len().max(1) as f64;
    let slot = WIDTH / n;
    let width = (slot * 0.7).max(1.0);
    let plot = HEIGHT - BOTTOM;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"none\">",
        escape(title)
    );
    svg.push_str(&format!(
        "<line x1=\"0\" y1=\"{plot}\" x2=\"{WIDTH}\" y2=\"{plot}\" stroke=\"#adb5bd\"/>"
    ));
    // A label every few bars, so that they never overlap.
    let every = (bars.len() / 8).max(1);
    for (i, b) in bars.iter().enumerate() {
        let x = i as f64 * slot + (slot - width) / 2.0;
        let mut y = plot;
        for (j, part) in b.parts.iter().enumerate() {
            let h = *part as f64 / max * (plot - 8.0);
            if h <= 0.0 {
                continue;
            }
            y -= h;
            let name = names.get(j).copied().unwrap_or("");
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                colours.get(j).copied().unwrap_or("#1971c2"),
                escape(&b.label),
                part,
                escape(name)
            ));
        }
        if i % every == 0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#495057\">{}</text>",
                x + width / 2.0,
                HEIGHT - 6.0,
                escape(&b.label)
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_tallest_and_labels_escaped() {
        let svg = bars(
            "Questions <per day>",
            &[
                Bar {
                    label: "11-01".into(),
                    parts: vec![3, 1],
                },
                Bar {
                    label: "11-02".into(),
                    parts: vec![0, 0],
                },
            ],
            &["answered", "escalated"],
            &["#1971c2", "#c2410c"],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"Questions &lt;per day&gt;\""));
        assert_eq!(svg.matches("<rect").count(), 2, "empty parts draw nothing");
        assert!(svg.contains("11-01: 3 answered") && svg.contains("11-01: 1 escalated"));
    }
}
