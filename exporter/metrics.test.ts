import { FamilyBuilder, mergeFamilies, renderFamilies } from './metrics';

describe('metric families', () => {
  it('renders HELP/TYPE, escapes label values and help, sorts families by name', () => {
    const b = new FamilyBuilder();
    b.family('z_total', 'counter', 'last')({ a: 'x' }, 1);
    b.family('a_bytes', 'gauge', 'line\\one\nline two')({ p: 'q"uote\\back\nnl' }, 2.5);
    b.family('empty', 'gauge', 'never filled')({}, undefined);
    expect(renderFamilies(b.build())).toBe(
      '# HELP a_bytes line\\\\one\\nline two\n# TYPE a_bytes gauge\na_bytes{p="q\\"uote\\\\back\\nnl"} 2.5\n' +
        '# HELP z_total last\n# TYPE z_total counter\nz_total{a="x"} 1\n',
    );
  });

  it('renders special values and merges families of several hosts', () => {
    const one = new FamilyBuilder();
    one.family('g', 'gauge', 'h')({ host: 'a' }, Infinity);
    const two = new FamilyBuilder();
    two.family('g', 'gauge', 'h')({ host: 'b' }, -Infinity);
    const merged = mergeFamilies([one.build(), two.build()]);
    expect(merged).toHaveLength(1);
    expect(renderFamilies(merged)).toBe('# HELP g h\n# TYPE g gauge\ng{host="a"} +Inf\ng{host="b"} -Inf\n');
  });
});
