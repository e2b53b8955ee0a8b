/**
 * Compiles every regex of a profile with the flags it will run with, in the browser that runs it, so
 * a profile whose regex V8 refuses is refused before it touches the page.
 * @param {{rule: string, source: string, flags: string, groups: number}[]} regexes `groups`: the
 *   capture groups the rule needs (a field's `pattern` reads group 1).
 * @returns {{rule: string, error: string}[]} one entry per regex that does not compile or lacks groups.
 */
function checkRegexes(regexes) {
  const problems = [];
  for (const r of regexes) {
    try {
      const compiled = new RegExp(r.source, r.flags);
      const groups = new RegExp(compiled.source + '|', r.flags).exec('').length - 1;
      if (groups < r.groups) problems.push({rule: r.rule, error: `needs ${r.groups} capture group(s), has ${groups}`});
    } catch (e) {
      problems.push({rule: r.rule, error: String(e.message || e)});
    }
  }
  return problems;
}
