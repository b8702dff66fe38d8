#!/usr/bin/env node
// Validates a Teams app manifest.json against the official JSON schema for its
// manifestVersion, as shipped inside the pinned npm package @microsoft/app-manifest
// (MIT). The schema is read from node_modules; no copy of it lives in this repository.
//
// Usage: node validate.mjs path/to/manifest.json
// Exit status: 0 valid; 1 invalid (one error per line on stderr); 2 usage or setup error.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";

const SCHEMA_PACKAGE = "@microsoft/app-manifest";
const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`validate-manifest: ${message}\n`);
  process.exit(2);
}

function readJson(path, what) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    return fail(`cannot read ${what} ${path}: ${error.message}`);
  }
}

function schemaPathFor(manifestVersion) {
  if (typeof manifestVersion !== "string" || !/^\d+\.\d+$|^devPreview$/.test(manifestVersion)) {
    fail(`manifestVersion ${JSON.stringify(manifestVersion)} is not a published schema version`);
  }
  const root = dirname(require.resolve(`${SCHEMA_PACKAGE}/package.json`));
  const folder = manifestVersion === "devPreview" ? "vDevPreview" : `v${manifestVersion}`;
  const path = join(root, "build", "json-schemas", "teams", folder, "MicrosoftTeams.schema.json");
  if (!existsSync(path)) {
    fail(`${SCHEMA_PACKAGE} has no schema for manifestVersion ${manifestVersion}`);
  }
  return path;
}

function compile(schema) {
  // The Teams schemas declare draft-04 (plus "const", which Ajv accepts there).
  if (!String(schema.$schema).includes("draft-04")) {
    fail(`unexpected schema dialect ${schema.$schema}; update validate.mjs`);
  }
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv, ["uri", "email", "regex"]);
  return ajv.compile(schema);
}

function describe(error) {
  const where = error.instancePath || "/";
  return `${where}: ${error.message} ${JSON.stringify(error.params)}`;
}

const [manifestPath] = process.argv.slice(2);
if (!manifestPath) {
  fail("usage: node validate.mjs path/to/manifest.json");
}
const manifest = readJson(manifestPath, "manifest");
const schemaPath = schemaPathFor(manifest.manifestVersion);
const validate = compile(readJson(schemaPath, "schema"));
if (validate(manifest)) {
  const { version } = require(`${SCHEMA_PACKAGE}/package.json`);
  process.stdout.write(
    `valid: ${manifestPath} against Teams schema v${manifest.manifestVersion} ` +
      `(${SCHEMA_PACKAGE}@${version})\n`,
  );
} else {
  for (const error of validate.errors) {
    process.stderr.write(`invalid: ${describe(error)}\n`);
  }
  process.exit(1);
}
