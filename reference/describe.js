#!/usr/bin/env node
// Prints Segment's published Usermaven destination definition as data (actions, fields with
// label/description/type/required/allowNull/multiple/default/properties, presets, authentication),
// normalised so that `usermaven-actions describe --json` can be compared with it field by field.
//
//   node reference/describe.js > fixtures/cases/destination-definition.json   (cargo xtask reference)
'use strict'

const path = require('path')
const DEST_DIR = path.join(__dirname, 'node_modules/@segment/action-destinations/dist/destinations/usermaven')
const definition = require(DEST_DIR).default

function field(f) {
  const props = f.properties
    ? Object.fromEntries(Object.entries(f.properties).map(([k, v]) => [k, field(v)]))
    : null
  return {
    label: f.label,
    description: f.description,
    type: f.type,
    required: Boolean(f.required),
    allowNull: Boolean(f.allowNull),
    multiple: Boolean(f.multiple),
    default: f.default === undefined ? null : f.default,
    properties: props
  }
}

const out = {
  slug: definition.slug,
  name: definition.name,
  mode: definition.mode,
  authentication: {
    scheme: definition.authentication.scheme,
    fields: Object.fromEntries(
      Object.entries(definition.authentication.fields).map(([k, f]) => [
        k,
        { label: f.label, description: f.description, type: f.type, required: Boolean(f.required) }
      ])
    )
  },
  actions: Object.fromEntries(
    Object.entries(definition.actions).map(([name, a]) => [
      name,
      {
        title: a.title,
        description: a.description,
        fields: Object.fromEntries(Object.entries(a.fields).map(([k, f]) => [k, field(f)]))
      }
    ])
  ),
  presets: definition.presets.map((p) => ({
    name: p.name,
    type: p.type,
    partnerAction: p.partnerAction,
    subscribe: p.subscribe,
    mapping: p.mapping
  }))
}

process.stdout.write(JSON.stringify(out, null, 2) + '\n')
