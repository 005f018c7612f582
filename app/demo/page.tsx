import type { Metadata } from 'next';
import { DemoLoader } from '@/components/demo/DemoLoader';

export const metadata: Metadata = {
  title: 'Merge Studio · demo',
  description: 'A read-only presentation of a shared model merge: the recipe, its scores and its answers.',
};

export default function DemoRoute() {
  return <DemoLoader />;
}
