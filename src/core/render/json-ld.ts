// JSON inside an HTML <script> element (HTML §4.12.1.3 "Restrictions for contents of script
// elements"): `</script>` would end it and `<!--` change how it is parsed, so every `<` is
// written `\u003c` (and `>` and `&` alike, for old parsers); U+2028 and U+2029 are escaped because
// JavaScript before ES2019 reads them as line ends. The JSON means the same after escaping.

/** `value` as JSON text that is safe inside `<script type="application/ld+json">`. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** The whole element. */
export function renderJsonLd(value: unknown): string {
  return `<script type="application/ld+json">\n${scriptJson(value)}\n</script>`;
}
