# SPDX-License-Identifier: GPL-2.0
# unittest -v output on stdin -> kselftest TAP on stdout: ok, not ok
# (FAIL, ERROR, unexpected success), ok # SKIP reason.
# usage: python3 unittest-tap.py [EXCLUDED]
# EXCLUDED: lines "test # reason" (test as printed here, e.g.
# test_cq.CQTest.test_resize_cq): such a test is reported
# "ok # SKIP excluded: reason" whatever its result.
import re
import sys

start = re.compile(r'^(test\w*) \(([\w.]+)\)(?:\s*\.\.\.\s*(.*))?$')
result = re.compile(r'(?:^|\.\.\. )(ok|ERROR|FAIL|expected failure|'
                    r'unexpected success|skipped (.*))$')
excluded = {}
if len(sys.argv) > 1:
    with open(sys.argv[1]) as f:
        for line in f:
            name, _, why = line.partition('#')
            if name.strip():
                excluded[name.strip()] = why.strip()
tests, notes, pending = [], [], None
for line in sys.stdin.read().splitlines():
    m = start.match(line)
    if m:
        meth, where = m.group(1), m.group(2)
        if where.startswith('tests.'):
            where = where[len('tests.'):]
        pending = where if where.endswith('.' + meth) else where + '.' + meth
        r = result.search(m.group(3) or '')
        if r:
            tests.append((pending, r.group(1), r.group(2)))
            pending = None
        continue
    r = result.search(line.strip())
    if pending and r:
        tests.append((pending, r.group(1), r.group(2)))
        pending = None
        continue
    notes.append(line)
if pending:
    tests.append((pending, 'ERROR', None))
    notes.append(pending + ': no result (crash?)')
# unittest's own count ("Ran N tests") and verdict ("FAILED (failures=a,
# errors=b, ...)"): tests that left no line above (a crash between two
# tests, an error in setUpClass or setUpModule) must not go unseen.
ran = failed = None
for line in notes:
    m = re.match(r'^Ran (\d+) tests? in ', line)
    if m:
        ran = int(m.group(1))
    m = re.match(r'^FAILED \((.*)\)$', line)
    if m:
        # "failures=1, errors=2, expected failures=3, unexpected
        # successes=4": keys of more than one word.
        failed = sum(int(v) for k, v in
                     (f.strip().rsplit('=', 1) for f in m.group(1).split(',')
                      if re.fullmatch(r'[a-z ]+=\d+', f.strip()))
                     if k in ('failures', 'errors', 'unexpected successes'))
bad = [st for name, st, why in tests
       if not st.startswith('skipped') and st not in ('ok', 'expected failure')]
counted = None
if ran is None:
    counted = 'no "Ran N tests" line from unittest'
elif ran != len(tests):
    counted = 'unittest ran %d tests, %d have a result line' % (ran, len(tests))
elif (failed or 0) != len(bad):
    counted = 'unittest counts %d failures and errors, %d have a result line' % (
        failed or 0, len(bad))
print('TAP version 13')
print('1..%d' % (max(len(tests), 1) + (1 if counted and tests else 0)))
n = {'pass': 0, 'fail': 0, 'skip': 0}
for i, (name, st, why) in enumerate(tests, 1):
    if name in excluded:
        print('# %s: %s (excluded)' % (name, st))
        print('ok %d %s # SKIP excluded: %s' % (i, name, excluded[name]))
        n['skip'] += 1
    elif st.startswith('skipped'):
        why = (why or '').strip()
        if len(why) > 1 and why[0] == why[-1] and why[0] in '\'"':
            why = why[1:-1]
        print('ok %d %s # SKIP %s' % (i, name, why.replace('\n', ' ')))
        n['skip'] += 1
    elif st in ('ok', 'expected failure'):
        if st != 'ok':
            print('# %s: unittest expected failure' % name)
        print('ok %d %s' % (i, name))
        n['pass'] += 1
    else:
        print('# %s: %s' % (name, st))
        print('not ok %d %s' % (i, name))
        n['fail'] += 1
if not tests or counted:
    if counted:
        print('# ' + counted)
    print('not ok %d rdma_core_run_tests' % (len(tests) + 1 if tests else 1))
    n['fail'] += 1
for line in notes:
    print('# ' + line if line else '#')
print('# Totals: pass:%(pass)d fail:%(fail)d xfail:0 xpass:0 skip:%(skip)d '
      'error:0' % n)
sys.exit(1 if n['fail'] else 0)
