import { TypedParamType } from './constants';
import { decodeTypedParams, encodeTypedParams, num, str, TYPED_PARAM_SIZE } from './typed-params';

/** Builds one virTypedParameter by hand, exactly as libvirt lays it out on x86_64. */
function literal(field: string, type: number, write: (b: Buffer, at: number) => void): Buffer {
  const b = Buffer.alloc(TYPED_PARAM_SIZE, 0xee); // garbage, like uninitialised C memory
  b.fill(0, 0, 80);
  b.write(field, 0, 'utf8');
  b.writeInt32LE(type, 80);
  write(b, 88);
  return b;
}

describe('decodeTypedParams', () => {
  const strings = new Map<bigint, string>([[0x7f00_1234_5678n, 'vda']]);
  const read = (a: bigint) => {
    const s = strings.get(a);
    if (s === undefined) throw new Error(`no string at ${a}`);
    return s;
  };

  it('decodes every type from literal bytes', () => {
    const bytes = Buffer.concat([
      literal('state.state', TypedParamType.int, (b, at) => b.writeInt32LE(1, at)),
      literal('vcpu.current', TypedParamType.uint, (b, at) => b.writeUInt32LE(4000000000, at)),
      literal('vcpu_quota', TypedParamType.llong, (b, at) => b.writeBigInt64LE(-1n, at)),
      literal('cpu.time', TypedParamType.ullong, (b, at) => b.writeBigUInt64LE(123456789012345n, at)),
      literal('dirtyrate', TypedParamType.double, (b, at) => b.writeDoubleLE(0.5, at)),
      literal('flag', TypedParamType.boolean, (b, at) => b.writeInt8(1, at)),
      literal('block.0.name', TypedParamType.string, (b, at) => b.writeBigUInt64LE(0x7f00_1234_5678n, at)),
      literal('block.1.path', TypedParamType.string, (b, at) => b.writeBigUInt64LE(0n, at)),
    ]);
    const p = decodeTypedParams(bytes, 8, read);
    expect([...p.entries()]).toEqual([
      ['state.state', 1],
      ['vcpu.current', 4000000000],
      ['vcpu_quota', -1],
      ['cpu.time', 123456789012345],
      ['dirtyrate', 0.5],
      ['flag', true],
      ['block.0.name', 'vda'],
      ['block.1.path', ''],
    ]);
    expect(num(p, 'cpu.time')).toBe(123456789012345);
    expect(num(p, 'block.0.name')).toBeUndefined();
    expect(str(p, 'block.0.name')).toBe('vda');
  });

  it('decodes a field name that fills all 79 bytes', () => {
    const long = 'x'.repeat(79);
    const p = decodeTypedParams(
      literal(long, TypedParamType.int, (b, at) => b.writeInt32LE(7, at)),
      1,
      read,
    );
    expect(p.get(long)).toBe(7);
  });

  it('rejects a short buffer and an unknown type', () => {
    expect(() => decodeTypedParams(Buffer.alloc(95), 1, read)).toThrow(/cannot hold 1/);
    expect(() =>
      decodeTypedParams(
        literal('odd', 99, () => undefined),
        1,
        read,
      ),
    ).toThrow(/unknown type 99/);
  });
});

describe('encodeTypedParams', () => {
  it('round-trips through the decoder', () => {
    const buf = encodeTypedParams([
      { field: 'cpu_shares', type: 'ullong', value: 512 },
      { field: 'vcpu_quota', type: 'llong', value: -1 },
      { field: 'inbound.average', type: 'uint', value: 1024 },
      { field: 'x', type: 'int', value: -5 },
      { field: 'd', type: 'double', value: 1.25 },
      { field: 'b', type: 'boolean', value: true },
    ]);
    expect(buf.length).toBe(6 * TYPED_PARAM_SIZE);
    const p = decodeTypedParams(buf, 6, () => '');
    expect(Object.fromEntries(p)).toEqual({
      cpu_shares: 512,
      vcpu_quota: -1,
      'inbound.average': 1024,
      x: -5,
      d: 1.25,
      b: true,
    });
  });

  it('rejects fractional integers and long names', () => {
    expect(() => encodeTypedParams([{ field: 'cpu_shares', type: 'ullong', value: 1.5 }])).toThrow(/integer/);
    expect(() => encodeTypedParams([{ field: 'y'.repeat(80), type: 'int', value: 1 }])).toThrow(/too long/);
  });
});
