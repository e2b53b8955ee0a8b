#!/usr/bin/env python3
"""Validates XML files against an XSD with lxml (independent of xmllint's own run).

usage: validate.py SCHEMA.xsd FILE... ; prints one line per invalid file and exits 1 if any.
"""
import sys
from lxml import etree

schema = etree.XMLSchema(etree.parse(sys.argv[1]))
bad = 0
for path in sys.argv[2:]:
    try:
        document = etree.parse(path)
    except etree.XMLSyntaxError as error:
        print(f"{path}: not well-formed: {error}")
        bad += 1
        continue
    if not schema.validate(document):
        bad += 1
        for error in schema.error_log:
            print(f"{path}:{error.line}: {error.message}")
print(f"lxml {etree.__version__}: {len(sys.argv) - 2 - bad} of {len(sys.argv) - 2} valid")
sys.exit(1 if bad else 0)
