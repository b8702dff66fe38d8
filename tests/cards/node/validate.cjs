#!/usr/bin/env node
// Checks Adaptive Cards with Microsoft's `adaptivecards` library, targeting schema 1.5.
//
// Reads one JSON card per line on stdin and writes one JSON line per card on stdout:
// {"problems": ["parse: ...", "validate: ..."]}; an empty list means the renderer accepts it.
// Every event the parser raises (unknown element, invalid property value, a ShowCard without a
// card, ...) and every validateProperties() event (duplicate ids, missing required
// properties, versions above 1.5, ...) counts as a problem.
"use strict";

// 3.0.5's package entry is an ES module Node cannot load; its UMD bundle works unchanged.
const AC = require("adaptivecards/dist/adaptivecards.js");
const readline = require("node:readline");

function check(payload) {
    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext(AC.Versions.v1_5);
    context.targetVersion = AC.Versions.v1_5;
    card.parse(payload, context);
    const problems = [];
    for (let i = 0; i < context.eventCount; i++) {
        problems.push(`parse: ${context.getEventAt(i).message}`);
    }
    for (const event of card.validateProperties().validationEvents) {
        problems.push(`validate: ${event.message}`);
    }
    return problems;
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
    if (!line.trim()) return;
    let answer;
    try {
        answer = { problems: check(JSON.parse(line)) };
    } catch (error) {
        answer = { problems: [`error: ${error && error.message ? error.message : error}`] };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
});
