import { StudioLoader } from '@/components/studio/StudioLoader';

export default function StudioPage() {
  return <StudioLoader />;
}
