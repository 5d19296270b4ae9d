import { toOptions, withCurrent } from './resources';

describe('toOptions', () => {
  it("reads the plugin's value/label lists", () => {
    expect(
      toOptions([
        { value: 'glm-4.5', label: 'GLM 4.5' },
        { value: 'llama-3.1-405b', label: 'Llama 3.1 405B' },
      ])
    ).toEqual([
      { value: 'glm-4.5', label: 'GLM 4.5' },
      { value: 'llama-3.1-405b', label: 'Llama 3.1 405B' },
    ]);
  });

  it('reads text/value pairs (the variable frame), plain strings and wrapped lists', () => {
    expect(toOptions([{ text: 'open weights', value: 'open' }])).toEqual([{ label: 'open weights', value: 'open' }]);
    expect(toOptions(['WOR', 'FRA'])).toEqual([
      { label: 'WOR', value: 'WOR' },
      { label: 'FRA', value: 'FRA' },
    ]);
    expect(toOptions({ zones: [{ code: 'FRA', name: 'France' }] }, 'zones')).toEqual([{ label: 'France', value: 'FRA' }]);
    expect(toOptions({ items: ['a'] }, 'models')).toEqual([{ label: 'a', value: 'a' }]);
  });

  it('keeps a description that adds something, and drops duplicates and unusable items', () => {
    expect(
      toOptions([
        { id: 'glm-4.5', display_name: 'GLM 4.5', organization: 'Zhipu' },
        { id: 'glm-4.5', display_name: 'GLM 4.5 again' },
        { display_name: 'no id' },
        null,
        42,
      ])
    ).toEqual([
      { value: 'glm-4.5', label: 'GLM 4.5', description: 'Zhipu' },
      { value: '42', label: '42' },
    ]);
  });

  it('returns nothing for answers it cannot read', () => {
    expect(toOptions(undefined)).toEqual([]);
    expect(toOptions('error')).toEqual([]);
    expect(toOptions({ message: 'not found' })).toEqual([]);
  });
});

describe('withCurrent', () => {
  it('keeps current values the resource does not list, such as variables', () => {
    const options = [{ value: 'glm-4.5', label: 'GLM 4.5' }];
    expect(withCurrent(options, ['$model', 'glm-4.5', null, ''])).toEqual([{ label: '$model', value: '$model' }, ...options]);
    expect(withCurrent(options, ['glm-4.5'])).toBe(options);
  });
});
