/**
 * YAML 1.1 as PyYAML (mergekit's parser) reads and writes it, for the `yaml` package.
 *
 * The `yaml` package's 1.1 schema follows the spec, PyYAML differs in two places that
 * matter for configurations:
 *  - booleans: PyYAML's resolver knows yes/no, true/false, on/off (any of three cases),
 *    not the spec's single letters: `model: y` is the string "y";
 *  - floats: PyYAML needs a decimal point, so `1e-7` is a string and `1.0e-7` a float.
 *    Writing, floats in exponent form get a point; reading, both forms are numbers (pydantic
 *    turns a numeric string into a float where mergekit expects one).
 */
import type { ScalarTag, Tags } from 'yaml';

const BOOL_TAG = 'tag:yaml.org,2002:bool';
const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

const exponentFloat: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  identify: (value) => typeof value === 'number' && Number.isFinite(value) && String(value).includes('e'),
  test: /^[-+]?[0-9]+\.[0-9]*[eE][-+][0-9]+$/,
  resolve: (source) => parseFloat(source),
  stringify: ({ value }) => {
    const [mantissa, exponent] = String(value).split('e');
    return `${mantissa!.includes('.') ? mantissa : `${mantissa}.0`}e${exponent}`;
  },
};

/** `customTags` for a YAML 1.1 document: PyYAML's booleans, PyYAML-readable exponent floats. */
export function pyYamlTags(tags: Tags): Tags {
  const adjusted = tags.map((tag) => {
    if (typeof tag !== 'object' || !('tag' in tag) || tag.tag !== BOOL_TAG || !('test' in tag)) return tag;
    const scalar = tag as ScalarTag;
    return { ...scalar, test: scalar.identify?.(true) ? PYYAML_TRUE : PYYAML_FALSE };
  });
  return [exponentFloat, ...adjusted];
}
