// Measures a page's layout as a person sees it; tests/web/layout.py calls it with the least gap in pixels.
(minGap) => {
  const flaws = [];
  const name = (el) => (el.id ? "#" + el.id : el.tagName.toLowerCase()) + " “" + (el.innerText || el.placeholder || "").trim().slice(0, 50) + "”";
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  };

  // A bill number, an amount with its currency, a time: one line each.
  for (const el of document.querySelectorAll(".keep, time")) {
    if (shown(el) && el.getClientRects().length !== 1) flaws.push("broken over lines: " + name(el));
  }
  // Every button one line high.
  const buttons = [...document.querySelectorAll("button")].filter(shown);
  for (const b of buttons) {
    if (lines(b) > 1) flaws.push("button of several lines: " + name(b));
  }
  // Nothing wider than the window, and no table wider than its box.
  if (document.documentElement.scrollWidth > window.innerWidth) flaws.push("the page is wider than the window");
  for (const box of document.querySelectorAll(".table-wrap")) {
    if (box.scrollWidth > box.clientWidth + 1) flaws.push("table wider than its box (" + box.scrollWidth + " > " + box.clientWidth + "px): " + name(box.closest("section, main")));
  }
  for (const t of document.querySelectorAll("table")) {
    const card = t.closest(".card");
    if (!card || !shown(t)) continue;
    const edge = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
    if (t.getBoundingClientRect().right > edge + 1) flaws.push("table in the card's right padding: " + name(card));
  }
  // A table and what follows it do not touch.
  for (const t of document.querySelectorAll("table")) {
    const after = (t.parentElement.classList.contains("table-wrap") ? t.parentElement : t).nextElementSibling;
    if (!after || !shown(t) || !shown(after)) continue;
    const gap = after.getBoundingClientRect().top - t.getBoundingClientRect().bottom;
    if (gap < minGap) flaws.push("touches the table above it (" + gap.toFixed(1) + "px): " + name(after));
  }
  // A button keeps clear of every other control and of text beside or below it.
  const others = [...document.querySelectorAll("a, button, input, select, label, p, li, summary")].filter(shown);
  for (const b of buttons) {
    const r = b.getBoundingClientRect();
    for (const o of others) {
      if (o === b || o.contains(b) || b.contains(o)) continue;
      const q = o.getBoundingClientRect();
      if (q.width === 0 || q.height === 0) continue;
      const dx = Math.max(q.left - r.right, r.left - q.right, 0);
      const dy = Math.max(q.top - r.bottom, r.top - q.bottom, 0);
      if (Math.max(dx, dy) < minGap) flaws.push(name(b) + " touches " + name(o) + " (" + Math.max(dx, dy).toFixed(1) + "px)");
    }
  }
  // A placeholder is read whole.
  for (const input of document.querySelectorAll("input[placeholder]")) {
    if (!shown(input)) continue;
    const style = getComputedStyle(input);
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.font = style.font;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (ctx.measureText(input.placeholder).width > room) flaws.push("placeholder cut short: " + name(input));
  }
  // Checkboxes are choices, not bullets.
  for (const li of document.querySelectorAll("li")) {
    if (li.querySelector("input[type=checkbox]") && getComputedStyle(li).listStyleType !== "none") flaws.push("checkbox with a bullet: " + name(li));
  }
  // The labels of a filter bar on one line.
  for (const bar of document.querySelectorAll(".filters")) {
    const tops = new Set([...bar.querySelectorAll(":scope > label")].map((l) => Math.round(l.getBoundingClientRect().top)));
    if (tops.size > 1) flaws.push("filter labels out of line: " + [...tops].join(", ") + "px");
  }
  return flaws;
}
