#!/usr/bin/env node
// Records actions-core's getFieldValueKeys({"@liquid": template}) (liquidjs'
// fullVariablesSync) for a list of templates, one JSON line each:
//   {"template": T, "ok": [keys…]} | {"template": T, "error": message}
//
//   node reference/liquid/gen-liquid-keys.js > reference/liquid/keys.expected.jsonl
'use strict'

const path = require('path')
const core = require(path.join(__dirname, '..', 'node_modules', '@segment', 'actions-core'))

const templates = [
  '{{ properties.test }}',
  '{{ a.b }} {{ c }} {{ a.d }} {{ c }}',
  '{{ properties.email | downcase | append: traits.suffix }}',
  '{{ arr[0] }} {{ arr[-1].x }} {{ obj["key with space"] }} {{ obj["ok_key"] }} {{ obj[\'2x\'] }}',
  '{{ a[b.c].d }}',
  '{{ [b.c].d }}',
  '{{ ["first"] }} {{ [0] }} {{ ["ünï"] }} {{ ["a b"].c }}',
  '{% assign x = user.name | upcase %}{{ x }}{{ x.size }}',
  '{% capture c %}{{ inner.v }}{% endcapture %}{{ c }}',
  '{% if a.b > 1 and c contains "x" %}{{ d }}{% elsif e %}{{ f }}{% else %}{{ g }}{% endif %}',
  '{% unless u.v %}{{ w }}{% endunless %}',
  '{% cycle grp: x.a, "b" %}',
  '{% echo e.f | default: g.h %}',
  '{% liquid\nassign q = r.s\necho q\n%}',
  '{% increment n %}{{ n }}',
  '{{ (lo..hi.x) }} {{ "lit".size }} {{ 1.5 }} {{ nil }} {{ true.x }}',
  '{{ a | default: b, allow_false: c.d }}',
  '{% raw %}{{ not_a_var }}{% endraw %}{% comment %}{{ nope }}{% endcomment %}',
  '{% block b %}{{ blk.v }}{% endblock %}',
  'no variables',
  '{{ a-b.c-d }} {{ _x.y_ }} {{ a.0 }} {{ a[1.5] }}',
  '{% for x in y %}{% endfor %}',
  '{{ unclosed',
  '{{ x | sort }}',
  ''
]

for (const template of templates) {
  let line
  try {
    line = { template, ok: core.getFieldValueKeys({ '@liquid': template }) }
  } catch (e) {
    line = { template, error: e.message }
  }
  process.stdout.write(JSON.stringify(line) + '\n')
}
