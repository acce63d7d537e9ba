#!/usr/bin/env python3
"""The fuzzers' binary seeds, written at build time (model and array files are never kept in the repository):
  OUT/gguf/seed_<family>.gguf   a tiny random model of every family AttnScope reads (width 8, 2 layers, a 16-piece
                                vocabulary), a few KB each, so the GGUF fuzzer starts from files that reach the model
                                and forward code; regression_alignment_1.gguf: general.alignment 1, tensors at odd
                                offsets (UBSan's alignment check)
  OUT/npy, OUT/safetensors, OUT/llama2c: small valid files; npy/regression_empty_shape.npy: a 0 in the shape (once a
                                memcpy into a null buffer)
  OUT/sentencepiece/            tok512.model, copied from SHARED/models/stories260K
Usage: make_seeds.py OUT SHARED"""
import json, os, random, shutil, struct, sys

random.seed(17)
DIM, HEADS, KV, HS, FF, VOCAB, LAYERS, CTX = 8, 2, 1, 4, 16, 16, 2, 32

def s(x):
    b = x.encode()
    return struct.pack('<Q', len(b)) + b

def kv(key, vtype, value):
    out = s(key) + struct.pack('<I', vtype)
    if vtype == 4: out += struct.pack('<I', value)
    elif vtype == 6: out += struct.pack('<f', value)
    elif vtype == 7: out += struct.pack('<B', 1 if value else 0)
    elif vtype == 8: out += s(value)
    elif vtype == 9:
        etype, items = value
        out += struct.pack('<IQ', etype, len(items))
        for it in items:
            out += s(it) if etype == 8 else struct.pack({6: '<f', 5: '<i'}[etype], it)
    return out

def gguf(meta, tensors, align=32):
    """align 1 also puts an odd byte after each tensor, so the next one starts unaligned."""
    body = b''.join(kv(*m) for m in meta) + (kv('general.alignment', 4, align) if align != 32 else b'')
    infos, data = b'', b''
    for name, dims, values in tensors:
        infos += s(name) + struct.pack('<I', len(dims)) + b''.join(struct.pack('<Q', d) for d in dims)
        data += b'\0' * ((-len(data)) % align)
        infos += struct.pack('<IQ', 0, len(data))
        data += b''.join(struct.pack('<f', v) for v in values)
        if align == 1:
            data += b'\1'
    head = b'GGUF' + struct.pack('<IQQ', 3, len(tensors), len(meta) + (align != 32)) + body + infos
    return head + b'\0' * ((-len(head)) % align) + data

def rnd(*dims, centre=0.0):
    n = 1
    for d in dims: n *= d
    return [centre + random.gauss(0, 0.5) for _ in range(n)]

def vocab(kind):
    if kind == 'llama':
        tokens = ['<unk>', '<s>', '</s>', '\u2581', 'a', 'b', 'c', '\u2581a', '\u2581b', 'ab', '\u2581ab', 'ca', '.', ',', '<0x0A>', '\u2581c']
        return [('tokenizer.ggml.model', 8, 'llama'), ('tokenizer.ggml.tokens', 9, (8, tokens)),
                ('tokenizer.ggml.scores', 9, (6, [-float(i) for i in range(VOCAB)])),
                ('tokenizer.ggml.token_type', 9, (5, [2, 3, 3] + [1] * 13)),
                ('tokenizer.ggml.bos_token_id', 4, 1), ('tokenizer.ggml.eos_token_id', 4, 2)]
    if kind == 'gpt2':
        tokens = ['a', 'b', 'c', '\u0120', '\u0120a', '\u0120b', 'ab', '.', ',', 'd', 'e', '\u0120ab', 'ba', '1', '2', '<|endoftext|>']
        return [('tokenizer.ggml.model', 8, 'gpt2'), ('tokenizer.ggml.pre', 8, 'gpt-2'), ('tokenizer.ggml.tokens', 9, (8, tokens)),
                ('tokenizer.ggml.merges', 9, (8, ['\u0120 a', '\u0120 b', 'a b', '\u0120a b', 'b a'])),
                ('tokenizer.ggml.token_type', 9, (5, [1] * 15 + [3])), ('tokenizer.ggml.bos_token_id', 4, 15)]
    tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', 'c', '##a', '##b', 'ab', '.', ',', 'the', '##s', 'd']
    return [('tokenizer.ggml.model', 8, 'bert'), ('tokenizer.ggml.tokens', 9, (8, tokens)),
            ('tokenizer.ggml.token_type', 9, (5, [3, 2, 3, 3, 3] + [1] * 11)),
            ('tokenizer.ggml.cls_token_id', 4, 2), ('tokenizer.ggml.seperator_token_id', 4, 3)]

def common(arch, kv_heads=KV, head=HS):
    m = [('general.architecture', 8, arch), (f'{arch}.block_count', 4, LAYERS), (f'{arch}.context_length', 4, CTX),
         (f'{arch}.embedding_length', 4, DIM), (f'{arch}.feed_forward_length', 4, FF),
         (f'{arch}.attention.head_count', 4, HEADS), (f'{arch}.attention.head_count_kv', 4, kv_heads),
         (f'{arch}.attention.layer_norm_rms_epsilon', 6, 1e-5), (f'{arch}.rope.freq_base', 6, 10000.0)]
    if head != DIM // HEADS:
        m += [(f'{arch}.attention.key_length', 4, head), (f'{arch}.attention.value_length', 4, head)]
    return m

def llama_like(qk_norm=False, sandwich=False, biases=False, head=HS):
    t = [('token_embd.weight', [DIM, VOCAB], rnd(VOCAB, DIM)), ('output_norm.weight', [DIM], rnd(DIM, centre=1))]
    q, kvd = HEADS * head, KV * head
    for l in range(LAYERS):
        p = f'blk.{l}.'
        t += [(p + 'attn_norm.weight', [DIM], rnd(DIM, centre=1)), (p + 'attn_q.weight', [DIM, q], rnd(q, DIM)),
              (p + 'attn_k.weight', [DIM, kvd], rnd(kvd, DIM)), (p + 'attn_v.weight', [DIM, kvd], rnd(kvd, DIM)),
              (p + 'attn_output.weight', [q, DIM], rnd(DIM, q)), (p + 'ffn_norm.weight', [DIM], rnd(DIM, centre=1)),
              (p + 'ffn_gate.weight', [DIM, FF], rnd(FF, DIM)), (p + 'ffn_up.weight', [DIM, FF], rnd(FF, DIM)),
              (p + 'ffn_down.weight', [FF, DIM], rnd(DIM, FF))]
        if biases:
            t += [(p + 'attn_q.bias', [q], rnd(q)), (p + 'attn_k.bias', [kvd], rnd(kvd)), (p + 'attn_v.bias', [kvd], rnd(kvd))]
        if qk_norm:
            t += [(p + 'attn_q_norm.weight', [head], rnd(head, centre=1)), (p + 'attn_k_norm.weight', [head], rnd(head, centre=1))]
        if sandwich:
            t += [(p + 'post_attention_norm.weight', [DIM], rnd(DIM, centre=1)), (p + 'post_ffw_norm.weight', [DIM], rnd(DIM, centre=1))]
    return t

def layer_norm_family(arch, fused_positions):
    t = [('token_embd.weight', [DIM, VOCAB], rnd(VOCAB, DIM)), ('output_norm.weight', [DIM], rnd(DIM, centre=1)),
         ('output_norm.bias', [DIM], rnd(DIM))]
    if arch == 'gptneox':
        t.append(('output.weight', [DIM, VOCAB], rnd(VOCAB, DIM)))
    else:
        t.append(('position_embd.weight', [DIM, CTX], rnd(CTX, DIM)))
    for l in range(LAYERS):
        p = f'blk.{l}.'
        t += [(p + 'attn_norm.weight', [DIM], rnd(DIM, centre=1)), (p + 'attn_norm.bias', [DIM], rnd(DIM)),
              (p + 'attn_qkv.weight', [DIM, 3 * DIM], rnd(3 * DIM, DIM)), (p + 'attn_qkv.bias', [3 * DIM], rnd(3 * DIM)),
              (p + 'attn_output.weight', [DIM, DIM], rnd(DIM, DIM)), (p + 'attn_output.bias', [DIM], rnd(DIM)),
              (p + 'ffn_norm.weight', [DIM], rnd(DIM, centre=1)), (p + 'ffn_norm.bias', [DIM], rnd(DIM)),
              (p + 'ffn_up.weight', [DIM, FF], rnd(FF, DIM)), (p + 'ffn_up.bias', [FF], rnd(FF)),
              (p + 'ffn_down.weight', [FF, DIM], rnd(DIM, FF)), (p + 'ffn_down.bias', [DIM], rnd(DIM))]
    return t

def bert():
    t = [('token_embd.weight', [DIM, VOCAB], rnd(VOCAB, DIM)), ('position_embd.weight', [DIM, CTX], rnd(CTX, DIM)),
         ('token_types.weight', [DIM, 2], rnd(2, DIM)), ('token_embd_norm.weight', [DIM], rnd(DIM, centre=1)),
         ('token_embd_norm.bias', [DIM], rnd(DIM))]
    for l in range(LAYERS):
        p = f'blk.{l}.'
        for n in ('attn_q', 'attn_k', 'attn_v', 'attn_output'):
            t += [(p + n + '.weight', [DIM, DIM], rnd(DIM, DIM)), (p + n + '.bias', [DIM], rnd(DIM))]
        t += [(p + 'attn_output_norm.weight', [DIM], rnd(DIM, centre=1)), (p + 'attn_output_norm.bias', [DIM], rnd(DIM)),
              (p + 'ffn_up.weight', [DIM, FF], rnd(FF, DIM)), (p + 'ffn_up.bias', [FF], rnd(FF)),
              (p + 'ffn_down.weight', [FF, DIM], rnd(DIM, FF)), (p + 'ffn_down.bias', [DIM], rnd(DIM)),
              (p + 'layer_output_norm.weight', [DIM], rnd(DIM, centre=1)), (p + 'layer_output_norm.bias', [DIM], rnd(DIM))]
    return t

def phi3():
    t = [('token_embd.weight', [DIM, VOCAB], rnd(VOCAB, DIM)), ('output_norm.weight', [DIM], rnd(DIM, centre=1)),
         ('rope_factors_short.weight', [HS // 2], [1.0, 1.5]), ('rope_factors_long.weight', [HS // 2], [2.0, 4.0])]
    q, kvd = HEADS * HS, KV * HS
    for l in range(LAYERS):
        p = f'blk.{l}.'
        t += [(p + 'attn_norm.weight', [DIM], rnd(DIM, centre=1)), (p + 'attn_qkv.weight', [DIM, q + 2 * kvd], rnd(q + 2 * kvd, DIM)),
              (p + 'attn_output.weight', [q, DIM], rnd(DIM, q)), (p + 'ffn_norm.weight', [DIM], rnd(DIM, centre=1)),
              (p + 'ffn_up.weight', [DIM, 2 * FF], rnd(2 * FF, DIM)), (p + 'ffn_down.weight', [FF, DIM], rnd(DIM, FF))]
    return t

seeds = {
    'llama': (common('llama') + vocab('llama'), llama_like()),
    'qwen2': (common('qwen2') + vocab('gpt2'), llama_like(biases=True)),
    'qwen3': (common('qwen3', head=6) + vocab('gpt2'), llama_like(qk_norm=True, head=6)),
    'gemma': (common('gemma', head=6) + vocab('llama'), llama_like(head=6)),
    'gemma2': (common('gemma2') + vocab('llama') + [('gemma2.attn_logit_softcapping', 6, 3.0), ('gemma2.final_logit_softcapping', 6, 2.0),
                                                   ('gemma2.attention.sliding_window', 4, 3)], llama_like(sandwich=True)),
    'gemma3': (common('gemma3') + vocab('llama') + [('gemma3.attention.sliding_window', 4, 3), ('gemma3.attention.sliding_window_pattern', 4, 2),
                                                   ('gemma3.rope.freq_base_swa', 6, 1000.0), ('gemma3.rope.scaling.type', 8, 'linear'),
                                                   ('gemma3.rope.scaling.factor', 6, 2.0)], llama_like(qk_norm=True, sandwich=True)),
    'phi3': (common('phi3') + vocab('llama') + [('phi3.rope.dimension_count', 4, HS), ('phi3.rope.scaling.original_context_length', 4, 8),
                                               ('phi3.rope.scaling.attn_factor', 6, 1.1)], phi3()),
    'gptneox': (common('gptneox', kv_heads=HEADS) + vocab('gpt2') + [('gptneox.rope.dimension_count', 4, 2), ('gptneox.use_parallel_residual', 7, True),
                                                                      ('gptneox.attention.layer_norm_epsilon', 6, 1e-5)],
                layer_norm_family('gptneox', False)),
    'gpt2': (common('gpt2', kv_heads=HEADS) + vocab('gpt2') + [('gpt2.attention.layer_norm_epsilon', 6, 1e-5)], layer_norm_family('gpt2', True)),
    'bert': (common('bert', kv_heads=HEADS) + vocab('bert') + [('bert.attention.layer_norm_epsilon', 6, 1e-12)], bert()),
}
def npy(path, shape, values):
    dims = ', '.join(str(d) for d in shape) + (',' if len(shape) == 1 else '')
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
    header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode())
        f.write(struct.pack(f'<{len(values)}f', *values))

def safetensors(path, tensors):
    header, data = {}, b''
    for name, dtype, shape, raw in tensors:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(raw)]}
        data += raw
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header).encode()
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + data)

def llama2c(path):  # dim 8, hidden 16, 1 layer, 2 heads, 1 kv head, vocab 16 (shared classifier), context 8
    dim, hidden, layers, heads, kv_heads, vocab, seq = 8, 16, 1, 2, 1, 16, 8
    hs = dim // heads
    n = (vocab * dim + layers * dim + 2 * layers * dim * dim + 2 * layers * dim * kv_heads * hs + layers * dim +
         3 * layers * hidden * dim + dim + seq * hs)
    with open(path, 'wb') as f:
        f.write(struct.pack('<7i', dim, hidden, layers, heads, kv_heads, vocab, seq))
        f.write(struct.pack(f'<{n}f', *[random.gauss(0, 0.5) for _ in range(n)]))

out, shared = sys.argv[1], sys.argv[2]
for sub in ('gguf', 'npy', 'safetensors', 'llama2c', 'sentencepiece'):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
for name, (meta, tensors) in seeds.items():
    with open(os.path.join(out, 'gguf', f'seed_{name}.gguf'), 'wb') as f:
        f.write(gguf(meta, tensors))
meta, tensors = seeds['llama']
with open(os.path.join(out, 'gguf', 'regression_alignment_1.gguf'), 'wb') as f:
    f.write(gguf(meta, tensors, align=1))
npy(os.path.join(out, 'npy', 'seed_2x3.npy'), (2, 3), [0.1 * i for i in range(6)])
npy(os.path.join(out, 'npy', 'seed_vec.npy'), (4,), [1, 2, 3, 4])
npy(os.path.join(out, 'npy', 'regression_empty_shape.npy'), (0, 3), [0.1 * i for i in range(5)])
safetensors(os.path.join(out, 'safetensors', 'seed_mixed.safetensors'),
            [('a.weight', 'F32', [2, 3], struct.pack('<6f', *range(6))), ('b.bias', 'F16', [3], b'\x00\x3c' * 3),
             ('c', 'BF16', [1, 2], b'\x80\x3f' * 2), ('ids', 'I64', [2], struct.pack('<2q', 1, 2))])
llama2c(os.path.join(out, 'llama2c', 'seed_tiny.bin'))
tok = os.path.join(shared, 'models', 'stories260K', 'tok512.model')
if os.path.exists(tok):
    shutil.copy(tok, os.path.join(out, 'sentencepiece', 'seed_tok512.model'))
