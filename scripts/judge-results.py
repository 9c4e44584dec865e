#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one boot's test results: KUnit (kunit.py parse --json) and the
kselftest-style TAP each guest suite wrote, against ci/expected-failures.txt.

A test listed there shows a bug of the base: at a step that does not have
the fixing patch yet it must fail (counted as xfail, which is a pass of the
CI); if it passes there (xpass) it cannot see the bug, and the step fails.
From the fixing patch on it is an ordinary test.

A proof's mutant (ci/proofs.txt) can also name tests it breaks in
"Breaks: SUITE|TEST" trailers (--broken, one SUITE|TEST per line): they
must fail in that tree, the same way.

Writes RESDIR/kunit and RESDIR/kselftest ("PASS|FAIL|SKIP p/f/s ..."),
plus skips.txt, failures.txt and xfail.txt (one test per line, with reason).
"""
import argparse
import json
import os
import re
import sys


# The subject of the expectations a proof's mutant adds ("Breaks:").
BROKEN = 'the mutant that breaks it'


def load_expect(path, applied, broken=None):
    expect = {}
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            suite, test, subject = (f.strip() for f in line.split('|', 2))
            expect[(suite, test)] = (subject, subject in applied)
    if broken and os.path.exists(broken):
        for line in open(broken):
            line = line.strip()
            if line:
                suite, test = (f.strip() for f in line.split('|', 1))
                expect[(suite, test)] = (BROKEN, False)
    return expect


def kunit_cases(node, prefix=''):
    """Yield (suite.test, status, log) for every case of a kunit.py JSON tree."""
    name = node.get('name', '')
    for case in node.get('test_cases', []):
        yield (f'{name}.{case["name"]}', case.get('status', ''),
               case.get('log', ''))
    for sub in node.get('sub_groups', []):
        yield from kunit_cases(sub)


def judge(results, expect, suite, name, ok, skipped, why=''):
    """Count one test result; returns its verdict word."""
    key = (suite, name)
    if skipped and expect.get(key, ('',))[0] == BROKEN:
        # A mutant's proof that did not run proves nothing.
        results['fail'] += 1
        results['failures'].append(
            f'{suite}: {name}: skipped, but the mutant must break it'
            + (f' ({why})' if why else ''))
        return 'fail'
    if skipped:
        results['skip'] += 1
        results['skips'].append(f'{suite}: {name} # SKIP {why}'.rstrip())
        return 'skip'
    if key in expect and not expect[key][1]:
        if ok:
            results['fail'] += 1
            results['failures'].append(
                f'{suite}: {name}: XPASS before "{expect[key][0]}": '
                'the test does not see the bug it is meant to show')
            return 'xpass'
        results['xfail'] += 1
        results['xfails'].append(
            f'{suite}: {name}: fails as expected before "{expect[key][0]}"')
        return 'xfail'
    if ok:
        results['pass'] += 1
        return 'pass'
    results['fail'] += 1
    results['failures'].append(f'{suite}: {name}' + (f' # {why}' if why else ''))
    return 'fail'


def new_results():
    return {'pass': 0, 'fail': 0, 'skip': 0, 'xfail': 0,
            'skips': [], 'failures': [], 'xfails': []}


def cell(r, extra=''):
    st = 'PASS' if r['fail'] == 0 else 'FAIL'
    xf = f' xfail:{r["xfail"]}' if r['xfail'] else ''
    return f'{st} {r["pass"]}/{r["fail"]}/{r["skip"]}{xf}{extra}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kunit-json', required=True)
    ap.add_argument('--kunit-log', required=True)
    ap.add_argument('--suites', required=True, help='dir of SUITE.log + status')
    ap.add_argument('--expect', required=True)
    ap.add_argument('--applied', required=True, help='subjects in the tree')
    ap.add_argument('--broken', help='SUITE|TEST lines a mutant breaks')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()

    applied = set(open(a.applied).read().splitlines())
    expect = load_expect(a.expect, applied, a.broken)
    seen = set()

    # KUnit
    k = new_results()
    nojson = None
    klog = open(a.kunit_log).read() if os.path.exists(a.kunit_log) else ''
    if 'Could not find any KTAP output' in klog:
        kunit = 'SKIP no KUnit suite is built in at this step'
    else:
        try:
            tree = json.load(open(a.kunit_json))
        except (OSError, ValueError) as e:
            tree = None
            kunit = nojson = f'FAIL kunit.py produced no JSON ({e})'
            k['fail'] += 1
            k['failures'].append(f'kunit: kunit.py produced no JSON ({e})')
        if tree is not None and not tree.get('sub_groups') and \
                not tree.get('test_cases'):
            kunit = 'SKIP no KUnit suite is built in at this step'
            tree = None
        if tree is not None:
            for name, status, _ in kunit_cases(tree):
                seen.add(('kunit', name))
                if status == 'SKIP':
                    judge(k, expect, 'kunit', name, True, True)
                else:
                    judge(k, expect, 'kunit', name, status == 'PASS', False)
            if 'crashed' in klog.split('Testing complete.')[-1] or \
                    re.search(r'errors: [1-9]', klog):
                k['fail'] += 1
                k['failures'].append('kunit: KTAP errors or a crash (kunit.log)')
            kunit = cell(k)

    # kselftest-style suites
    s = new_results()
    status = {}
    spath = os.path.join(a.suites, 'status')
    if os.path.exists(spath):
        for line in open(spath):
            if ':' in line:
                n, v = line.strip().split(':', 1)
                status[n] = v
    logs = sorted(f for f in os.listdir(a.suites) if f.endswith('.log')) \
        if os.path.isdir(a.suites) else []
    bad = []
    for f in logs:
        suite = f[:-4]
        tap = open(os.path.join(a.suites, f), errors='replace').read()
        if '# Totals:' not in tap:
            bad.append(f'{suite}(no totals: {status.get(suite, "did not finish")})')
        # The plan: a suite that stopped early must not pass on the
        # results it printed before.
        plan = re.search(r'^1\.\.(\d+)', tap, re.M)
        ran = 0
        # "ok N name", optionally "# SKIP reason" or any other "# comment"
        # (a failure's reason): a comment must never hide a result.
        # ([ \t], not \s: the comment is on the same line, never the next)
        for m in re.finditer(r'^(not ok|ok) \d+ (\S+)(?:[ \t]+#[ \t]*(.*))?$',
                             tap, re.M):
            ran += 1
            seen.add((suite, m.group(2)))
            note = m.group(3) or ''
            skipped = re.match(r'(?i)skip\b', note) is not None
            judge(s, expect, suite, m.group(2), m.group(1) == 'ok', skipped,
                  re.sub(r'(?i)^skip\b\s*', '', note))
        if ran == 0 and re.search(r'^1\.\.0 # SKIP', tap, re.M):
            s['skip'] += 1
            s['skips'].append(f'{suite}: {tap.split("# SKIP", 1)[1].splitlines()[0].strip()}')
        if plan and int(plan.group(1)) != ran:
            bad.append(f'{suite}(plan 1..{plan.group(1)}, {ran} results)')
        st = status.get(suite, '')
        sig = re.match(r'fail\(rc=(\d+)\)', st)
        if st not in ('pass', 'skip') and not st.startswith('fail'):
            bad.append(f'{suite}({st or "did not finish"})')
        elif sig and 128 < int(sig.group(1)) <= 128 + 64:
            # A failing test exits 1; 128 + N: the suite was killed by
            # signal N, whatever it printed before.
            bad.append(f'{suite}(killed by signal {int(sig.group(1)) - 128})')
    # A suite that ran (the guest's init wrote its status) but left no log.
    for suite, st in sorted(status.items()):
        if suite not in ('boot', 'done') and f'{suite}.log' not in logs:
            bad.append(f'{suite}(no {suite}.log: {st})')
    # An expected failure that did not run at all is a failure too: the
    # proof that the bug exists (or is fixed) is missing.
    ksuites = {n.split('.', 1)[0] for s_, n in seen if s_ == 'kunit'}
    for (suite, name), (subject, fixed) in expect.items():
        present = suite == 'kunit' and name.split('.', 1)[0] in ksuites or \
            suite != 'kunit' and f'{suite}.log' in logs or subject == BROKEN
        if present and (suite, name) not in seen:
            r = k if suite == 'kunit' else s
            r['fail'] += 1
            r['failures'].append(f'{suite}: {name}: listed in expected-failures'
                                 ' or a mutant\'s Breaks: but did not run')
    if nojson:
        kunit = nojson
    elif kunit.startswith(('PASS', 'FAIL')) or k['fail']:
        kunit = cell(k)
    if not logs:
        kself = 'FAIL no suite ran'
    else:
        if bad:
            s['fail'] += len(bad)
            s['failures'] += [f'suite {b}' for b in bad]
        kself = cell(s)

    os.makedirs(a.out, exist_ok=True)
    open(os.path.join(a.out, 'kunit'), 'w').write(kunit + '\n')
    open(os.path.join(a.out, 'kselftest'), 'w').write(kself + '\n')
    for fname, key in (('skips.txt', 'skips'), ('failures.txt', 'failures'),
                       ('xfail.txt', 'xfails')):
        lines = k[key] + s[key]
        with open(os.path.join(a.out, fname), 'w') as fh:
            fh.writelines(x + '\n' for x in lines)
    print(f'kunit {kunit}; kselftest {kself}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
