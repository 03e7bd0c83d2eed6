import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colorWanted, makeTheme } from '../../src/tui/components/theme.js';

describe('colour policy', () => {
  it('NO_COLOR (non-empty) and TERM=dumb turn colour off', () => {
    assert.equal(colorWanted({}), true);
    assert.equal(colorWanted({ NO_COLOR: '1' }), false);
    assert.equal(colorWanted({ NO_COLOR: '' }), true);
    assert.equal(colorWanted({ TERM: 'dumb' }), false);
  });

  it('a colourless theme gives components no colour props', () => {
    assert.deepEqual(makeTheme(false).fg('red'), {});
    assert.deepEqual(makeTheme(true).fg('red'), { color: 'red' });
  });
});
